// GET /api/live/snapshot: the state a client (re)starts from after a long disconnect or on first load.
// lastEventId is read FIRST: every change after it arrives as an event, and reconciling by version makes
// re-applying a change the snapshot already contains harmless.
import type { LiveSnapshot, WorkerPosition } from '../../common/realtime';
import { OPEN_STATUSES } from '../../common/domain';
import type { Identity } from '../auth/identity';
import type { Clock } from '../clock';
import type { Queryable } from '../db/db';
import { latestEventId } from '../realtime/push-cursor';
import type { KpiPusher } from './kpis';
import {
  INCIDENT_COLUMNS, PARKING_COLUMNS, VIOLATION_COLUMNS,
  toIncidentLive, toParkingLive, toViolationLive,
  type IncidentRow, type ParkingRow, type ViolationRow,
} from './live-rows';

/** Wall and desks see open incidents plus those that ended in the last day (so a closure is visible). */
const RECENT_WINDOW = "interval '24 hours'";
const MAX_INCIDENTS = 10_000;

export async function liveSnapshot(db: Queryable, clock: Clock, kpis: KpiPusher, identity: Identity): Promise<LiveSnapshot> {
  const lastEventId = await latestEventId(db);
  const now = clock.now();
  // A grid worker sees their own grid only (scope); everyone else the whole street.
  const grid = identity.role === 'worker' ? identity.scopeGridId ?? -1 : null;
  const incidents = await db.query<IncidentRow>(
    `SELECT ${INCIDENT_COLUMNS} FROM incidents
      WHERE (status = ANY($1::text[]) OR updated_at > $2::timestamptz - ${RECENT_WINDOW})
        AND ($3::int IS NULL OR grid_id = $3)
      ORDER BY id DESC LIMIT ${MAX_INCIDENTS}`,
    [`{${OPEN_STATUSES.join(',')}}`, now.toISOString(), grid],
  );
  const violations = await db.query<ViolationRow>(
    `SELECT ${VIOLATION_COLUMNS} FROM violations WHERE ($1::int IS NULL OR grid_id = $1) ORDER BY id`,
    [grid],
  );
  const parking = await db.query<ParkingRow>(`SELECT ${PARKING_COLUMNS} FROM parking_lots ORDER BY id`);
  const workers = await db.query<{ id: number; grid_id: number | null; lon: number; lat: number; position_at: Date | string }>(
    `SELECT id, grid_id, ST_X(position) AS lon, ST_Y(position) AS lat, position_at FROM people
      WHERE position IS NOT NULL AND on_duty AND position_at > $1::timestamptz - interval '1 hour'
        AND ($2::int IS NULL OR grid_id = $2)`,
    [now.toISOString(), grid],
  );
  return {
    lastEventId,
    serverTime: now.toISOString(),
    incidents: incidents.rows.map(toIncidentLive),
    violations: violations.rows.map(toViolationLive),
    parking: parking.rows.map(toParkingLive),
    workers: workers.rows.map(
      (r): WorkerPosition => ({ personId: r.id, gridId: r.grid_id, lon: r.lon, lat: r.lat, at: new Date(r.position_at).toISOString() }),
    ),
    kpis: await kpis.current(),
  };
}
