// "Pushed up to" per process (migration 040). A restarted process resumes pushing from here, so an event
// committed just before a crash is still pushed; a process that never ran starts at the newest event
// (it has no listeners for older ones: clients catch up through events:sync).
import type { Queryable } from '../db/db';

export async function loadPushCursor(db: Queryable, nodeId: string): Promise<number> {
  const saved = await db.query<{ pushed_up_to: number }>(
    'SELECT pushed_up_to FROM realtime_push_cursors WHERE node_id = $1',
    [nodeId],
  );
  if (saved.rows.length) return Number(saved.rows[0].pushed_up_to);
  return latestEventId(db);
}

export async function savePushCursor(db: Queryable, nodeId: string, pushedUpTo: number): Promise<void> {
  await db.query(
    `INSERT INTO realtime_push_cursors (node_id, pushed_up_to, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (node_id) DO UPDATE SET pushed_up_to = GREATEST(realtime_push_cursors.pushed_up_to, EXCLUDED.pushed_up_to),
       updated_at = now()`,
    [nodeId, pushedUpTo],
  );
}

export async function latestEventId(db: Queryable): Promise<number> {
  const r = await db.query<{ id: number | null }>('SELECT max(id) AS id FROM events');
  return Number(r.rows[0]?.id ?? 0);
}
