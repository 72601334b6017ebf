// Writes one row to the append-only events table inside the caller's transaction (ENGINEERING.md §3:
// durable events, then push). Committed rows are what the realtime publisher pushes, in id order.
import type { Queryable } from '../db/db';

/**
 * Advisory lock taken before inserting an event, held until the transaction ends. It makes event ids
 * commit in increasing order, so a publisher that reads "id > last pushed" never skips a row that was
 * numbered earlier but committed later.
 */
export const EVENTS_APPEND_LOCK = 7_120_113_002;

export interface NewEvent {
  type: string;
  entityType: string;
  entityId: string | number;
  version?: number | null;
  actor: string;
  reason?: string | null;
  commandId?: string | null;
  payload: unknown;
}

export interface StoredEvent {
  id: number;
  at: string;
  type: string;
  entityType: string;
  entityId: string;
  version: number | null;
  actor: string;
  reason: string | null;
  payload: unknown;
}

interface EventRow {
  id: number;
  at: Date;
  type: string;
  entity_type: string;
  entity_id: string;
  version: number | null;
  actor: string;
  reason: string | null;
  payload: unknown;
}

export function toStoredEvent(r: EventRow): StoredEvent {
  return {
    id: r.id,
    at: r.at instanceof Date ? r.at.toISOString() : String(r.at),
    type: r.type,
    entityType: r.entity_type,
    entityId: r.entity_id,
    version: r.version,
    actor: r.actor,
    reason: r.reason,
    payload: r.payload,
  };
}

export async function appendEvent(tx: Queryable, e: NewEvent): Promise<StoredEvent> {
  // The lock and the insert are one statement: the lock is held until COMMIT, so every round trip inside it
  // serialises all writers. The lock row is produced before the insert draws its id, so ids still follow the
  // lock order. Callers append their event as late in the transaction as they can for the same reason.
  const res = await tx.query<EventRow>(
    `WITH ordered AS (SELECT pg_advisory_xact_lock($9::bigint))
     INSERT INTO events (type, entity_type, entity_id, version, actor, reason, command_id, payload)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8::jsonb FROM ordered
     RETURNING id, at, type, entity_type, entity_id, version, actor, reason, payload`,
    [e.type, e.entityType, String(e.entityId), e.version ?? null, e.actor, e.reason ?? null, e.commandId ?? null, JSON.stringify(e.payload), EVENTS_APPEND_LOCK],
  );
  return toStoredEvent(res.rows[0]);
}

/** Events after `afterId`, oldest first, at most `limit` (resync after a reconnect). */
export async function eventsAfter(db: Queryable, afterId: number, limit = 1000): Promise<StoredEvent[]> {
  const res = await db.query<EventRow>(
    `SELECT id, at, type, entity_type, entity_id, version, actor, reason, payload
       FROM events WHERE id > $1 ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
  return res.rows.map(toStoredEvent);
}
