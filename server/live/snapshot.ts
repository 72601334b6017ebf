// GET /api/live/snapshot: the state a client (re)starts from after a long disconnect or on first load.
// lastEventId is read FIRST: every change after it arrives as an event, and reconciling by version makes
// re-applying a change the snapshot already contains harmless.
import type { LiveSnapshot, WorkerPosition } from '../../common/realtime';
import { OPEN_STATUSES } from '../../common/domain';
import type { ScopePolicy } from '../auth/scope';
import { LAYER_SCOPE } from '../layers/layer-scope';
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

export async function liveSnapshot(db: Queryable, clock: Clock, kpis: KpiPusher, scope: ScopePolicy): Promise<LiveSnapshot> {
  const lastEventId = await latestEventId(db);
  const now = clock.now();
  // A grid worker sees their own grid only (scope.ts and layer-scope.ts); everyone else the whole street.
  // The incidents are those of the grid: the live feed (grid room) carries the same, so they reconcile.
  const incParams: unknown[] = [`{${OPEN_STATUSES.join(',')}}`, now.toISOString()];
  const incScope = scope.rows('grid_id', 3);
  const incidents = await db.query<IncidentRow>(
    `SELECT ${INCIDENT_COLUMNS} FROM incidents
      WHERE (status = ANY($1::text[]) OR updated_at > $2::timestamptz - ${RECENT_WINDOW})
        AND ${incScope.sql}
      ORDER BY id DESC LIMIT ${MAX_INCIDENTS}`,
    [...incParams, ...incScope.params],
  );
  const layerRows = async <R extends object>(columns: string, table: string, rule: (g: string) => string) => {
    const params: unknown[] = [];
    const where = scope.where(rule, (v) => `$${params.push(v)}`);
    return (await db.query<R>(`SELECT ${columns} FROM ${table} t WHERE ${where} ORDER BY t.id`, params)).rows;
  };
  const violations = await layerRows<ViolationRow>(VIOLATION_COLUMNS, 'violations', LAYER_SCOPE.violations);
  const parking = await layerRows<ParkingRow>(PARKING_COLUMNS, 'parking_lots', LAYER_SCOPE.parking_lots);
  const workerScope = scope.rows('grid_id', 2);
  const workers = await db.query<{ id: number; grid_id: number | null; lon: number; lat: number; position_at: Date | string }>(
    `SELECT id, grid_id, ST_X(position) AS lon, ST_Y(position) AS lat, position_at FROM people
      WHERE position IS NOT NULL AND on_duty AND position_at > $1::timestamptz - interval '1 hour'
        AND ${workerScope.sql}`,
    [now.toISOString(), ...workerScope.params],
  );
  return {
    lastEventId,
    serverTime: now.toISOString(),
    incidents: incidents.rows.map(toIncidentLive),
    violations: violations.map(toViolationLive),
    parking: parking.map(toParkingLive),
    workers: workers.rows.map(
      (r): WorkerPosition => ({ personId: r.id, gridId: r.grid_id, lon: r.lon, lat: r.lat, at: new Date(r.position_at).toISOString() }),
    ),
    kpis: await kpis.current(scope),
  };
}
