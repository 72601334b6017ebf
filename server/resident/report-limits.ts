// Rate limits of resident reports, per client address and per device, counted in resident_reports itself:
// durable and shared by every server process (an in-memory counter would give each process its own
// allowance and forget it on restart). A device whose report was marked as spam is refused for a day.
import { AppError } from '../../common/errors';
import { SPAM_REASON } from '../../common/resident';
import type { Queryable } from '../db/db';

export interface Window {
  max: number;
  ms: number;
}

export interface ReportLimits {
  perDevice: readonly Window[];
  /** Looser than per device: a community centre's Wi-Fi or a carrier NAT puts many residents on one address. */
  perAddress: readonly Window[];
  /** A report of this device marked as spam within this time blocks the device. */
  spamBlockMs: number;
}

const HOUR = 3_600_000;
export const DEFAULT_REPORT_LIMITS: ReportLimits = {
  perDevice: [{ max: 3, ms: HOUR }, { max: 10, ms: 24 * HOUR }],
  perAddress: [{ max: 10, ms: HOUR }, { max: 50, ms: 24 * HOUR }],
  spamBlockMs: 24 * HOUR,
};

/**
 * Advisory lock that serialises the check-and-insert of resident reports (all of them: they are few, and one
 * lock cannot form a cycle with itself; it is always taken after the events lock of the same transaction).
 */
const RESIDENT_LIMIT_LOCK = 7_120_113_090;

function describe(w: Window): string {
  return w.ms >= 24 * HOUR ? `${w.max} per day` : `${w.max} per hour`;
}

function limited(what: string, w: Window): AppError {
  return new AppError('RATE_LIMITED', `too many reports from this ${what} (${describe(w)}); please try again later or call the community`, undefined, {
    retryAfterSeconds: Math.ceil(w.ms / 1000),
  });
}

/** Throws RATE_LIMITED when this address or device may not report now. Run it in the report's transaction to be exact. */
export async function checkReportLimits(q: Queryable, addressHash: string, deviceHash: string, now: Date, limits: ReportLimits, lock = false): Promise<void> {
  if (lock) {
    // Two reports of one device in flight at once must not both pass the count.
    await q.query('SELECT pg_advisory_xact_lock($1)', [RESIDENT_LIMIT_LOCK]);
  }
  const windows = [...limits.perDevice, ...limits.perAddress];
  const longest = Math.max(limits.spamBlockMs, ...windows.map((w) => w.ms));
  const since = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const res = await q.query<{ same_device: boolean; same_address: boolean; created_at: Date; spam: boolean }>(
    `SELECT r.device_hash = $1 AS same_device, r.address_hash = $2 AS same_address, r.created_at,
            EXISTS (SELECT 1 FROM events e WHERE e.entity_type = 'incident' AND e.entity_id = r.incident_id::text
                     AND e.type = 'incident.rejected' AND e.reason = $4) AS spam
       FROM resident_reports r
      WHERE (r.device_hash = $1 OR r.address_hash = $2) AND r.created_at > $3`,
    [deviceHash, addressHash, since(longest), SPAM_REASON],
  );
  const t = (d: Date) => new Date(d).getTime();
  const deviceRows = res.rows.filter((r) => r.same_device);
  if (deviceRows.some((r) => r.spam && t(r.created_at) > now.getTime() - limits.spamBlockMs)) {
    throw new AppError('RATE_LIMITED', 'a recent report from this device was marked as spam; reports from it are paused for a day', undefined, {
      retryAfterSeconds: Math.ceil(limits.spamBlockMs / 1000),
    });
  }
  for (const w of limits.perDevice) {
    if (deviceRows.filter((r) => t(r.created_at) > now.getTime() - w.ms).length >= w.max) throw limited('device', w);
  }
  const addressRows = res.rows.filter((r) => r.same_address);
  for (const w of limits.perAddress) {
    if (addressRows.filter((r) => t(r.created_at) > now.getTime() - w.ms).length >= w.max) throw limited('address', w);
  }
}
