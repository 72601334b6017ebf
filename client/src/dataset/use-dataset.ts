// The server's record of what data it holds (GET /api/dataset), fetched once per signed-in session and
// shared by every component that asks: the data badge and the street name in the headers. A page that
// changes the data (the admin import page) publishes the new status with `publishDataset`, so the headers
// follow without a reload.
import { useEffect, useState } from 'react';
import type { DatasetStatus } from '../../../common/dataset';
import { api } from '../api/http';
import { useSession } from '../auth/session';

let cached: { userId: string; status: DatasetStatus } | null = null;
let inflight: Promise<DatasetStatus> | null = null;
const listeners = new Set<(s: DatasetStatus) => void>();

/** Replaces the shared status (after an import) and tells every mounted user of the hook. */
export function publishDataset(status: DatasetStatus): void {
  if (cached) cached = { userId: cached.userId, status };
  for (const l of listeners) l(status);
}

export function useDataset(): DatasetStatus | null {
  const { state } = useSession();
  const userId = state.status === 'signed-in' ? state.user.username : null;
  const [status, setStatus] = useState<DatasetStatus | null>(cached && cached.userId === userId ? cached.status : null);
  useEffect(() => {
    listeners.add(setStatus);
    return () => { listeners.delete(setStatus); };
  }, []);
  useEffect(() => {
    if (userId === null) { setStatus(null); return; }
    if (cached && cached.userId === userId) { setStatus(cached.status); return; }
    let live = true;
    inflight ??= api.get<DatasetStatus>('/api/dataset');
    inflight
      .then((s) => { cached = { userId, status: s }; if (live) setStatus(s); })
      // Unknown (network, 403): show no badge rather than a wrong one.
      .catch(() => undefined)
      .finally(() => { inflight = null; });
    return () => { live = false; };
  }, [userId]);
  return status;
}
