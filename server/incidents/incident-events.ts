// Event rows for incidents. Payloads follow common/realtime.ts (IncidentEventPayload): the live fields only,
// never the reporter's name or phone, because events are broadcast to wall displays.
import type { IncidentStatus } from '../../common/domain';
import type { IncidentEventPayload, IncidentEventType } from '../../common/realtime';
import type { Queryable } from '../db/db';
import { EVENTS_APPEND_LOCK } from '../events/append-event';
import { toLive, type IncidentRow } from './incident-row';

export function incidentPayload(row: IncidentRow, from?: IncidentStatus): IncidentEventPayload {
  return { incident: toLive(row), gridId: row.grid_id, ...(from !== undefined && from !== row.status ? { from } : {}) };
}

/**
 * Appends one `incident.reported` event per new incident in one statement (the batch intake path). Takes
 * the same advisory lock as appendEvent() so event ids still commit in increasing order.
 */
export async function appendReportedEvents(
  tx: Queryable,
  rows: readonly IncidentRow[],
  actors: readonly string[],
  commandIds: readonly (string | null)[],
): Promise<void> {
  if (rows.length === 0) return;
  const type: IncidentEventType = 'incident.reported';
  // Lock and insert in one statement (see appendEvent): the lock row comes before any id is drawn.
  await tx.query(
    `WITH ordered AS (SELECT pg_advisory_xact_lock($7::bigint))
     INSERT INTO events (type, entity_type, entity_id, version, actor, command_id, payload)
     SELECT $1, 'incident', e.id, e.version, e.actor, e.command_id, e.payload::jsonb
       FROM ordered, unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[]) WITH ORDINALITY AS e(actor, id, version, command_id, payload, ord)
      ORDER BY e.ord`,
    [
      type,
      [...actors],
      rows.map((r) => String(r.id)),
      rows.map((r) => r.version),
      [...commandIds],
      rows.map((r) => JSON.stringify(incidentPayload(r))),
      EVENTS_APPEND_LOCK,
    ],
  );
}
