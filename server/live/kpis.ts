// Street KPIs, computed by SQL and pushed when they may have changed (after a pushed batch of events),
// coalesced to at most one computation per KPI_MIN_INTERVAL_MS. "Today" is the Asia/Shanghai calendar day.
import { KPI_MIN_INTERVAL_MS, STREET_ROOM, type Kpis, type LiveEvent } from '../../common/realtime';
import { OPEN_STATUSES } from '../../common/domain';
import type { Clock } from '../clock';
import type { Queryable } from '../db/db';
import type { Logger } from '../logger';
import type { RealtimeServer } from '../realtime/types';
import type { EventPublisher } from '../realtime/event-publisher';
import { STREET_SCOPE, type ScopePolicy } from '../auth/scope';
import { LAYER_SCOPE } from '../layers/layer-scope';

/** China Standard Time has had no daylight saving since 1991: a fixed +08:00 offset is exact. */
const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** Start of the Asia/Shanghai calendar day containing `now`. */
export function shanghaiDayStart(now: Date): Date {
  const local = now.getTime() + SHANGHAI_OFFSET_MS;
  return new Date(local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - SHANGHAI_OFFSET_MS);
}

const RECTIFIED = ['rectified', 'demolished', 'verified'];

interface KpiRow {
  households: number | null;
  residents: number | null;
  party_members: number | null;
  open_incidents: number;
  reported_today: number;
  closed_today: number;
  closed_on_time_today: number;
  satisfaction_avg: number | null;
  violations: number;
  violations_rectified: number;
  parking_capacity: number | null;
  parking_occupied: number | null;
}

/**
 * The KPIs of what `scope` may see: the street for street roles (pushed to the street room), a worker's
 * grid for a worker (computed on request, never pushed: grid rooms get no kpis:updated).
 */
export async function computeKpis(db: Queryable, now: Date, asOfEventId: number, scope: ScopePolicy): Promise<Kpis> {
  const dayStart = shanghaiDayStart(now);
  const params: unknown[] = [`{${OPEN_STATUSES.join(',')}}`, dayStart.toISOString(), now.toISOString(), `{${RECTIFIED.join(',')}}`];
  const p = (v: unknown) => `$${params.push(v)}`;
  const buildings = scope.where(LAYER_SCOPE.buildings, p);
  const cases = scope.cases('t', p);
  const violations = scope.where(LAYER_SCOPE.violations, p);
  const parking = scope.where(LAYER_SCOPE.parking_lots, p);
  const res = await db.query<KpiRow>(
    `SELECT
       (SELECT sum(households)::int FROM buildings t WHERE ${buildings}) AS households,
       (SELECT sum(residents)::int FROM buildings t WHERE ${buildings}) AS residents,
       (SELECT sum(party_members)::int FROM buildings t WHERE ${buildings}) AS party_members,
       (SELECT count(*)::int FROM incidents t WHERE status = ANY($1::text[]) AND ${cases}) AS open_incidents,
       (SELECT count(*)::int FROM incidents t WHERE reported_at >= $2 AND reported_at <= $3 AND ${cases}) AS reported_today,
       (SELECT count(*)::int FROM incidents t WHERE status = 'closed' AND closed_at >= $2 AND closed_at <= $3 AND ${cases}) AS closed_today,
       (SELECT count(*)::int FROM incidents t WHERE status = 'closed' AND closed_at >= $2 AND closed_at <= $3 AND closed_at <= due_at AND ${cases})
         AS closed_on_time_today,
       (SELECT avg(satisfaction)::float8 FROM incidents t
         WHERE satisfaction IS NOT NULL AND closed_at > $3::timestamptz - interval '30 days' AND closed_at <= $3 AND ${cases}) AS satisfaction_avg,
       (SELECT count(*)::int FROM violations t WHERE ${violations}) AS violations,
       (SELECT count(*)::int FROM violations t WHERE status = ANY($4::text[]) AND ${violations}) AS violations_rectified,
       (SELECT sum(capacity)::int FROM parking_lots t WHERE ${parking}) AS parking_capacity,
       (SELECT sum(occupied)::int FROM parking_lots t WHERE ${parking}) AS parking_occupied`,
    params,
  );
  const r = res.rows[0];
  const capacity = r.parking_capacity ?? 0;
  return {
    households: r.households ?? 0,
    residents: r.residents ?? 0,
    partyMembers: r.party_members ?? 0,
    openIncidents: r.open_incidents,
    reportedToday: r.reported_today,
    closedToday: r.closed_today,
    onTimeRate: r.closed_today > 0 ? r.closed_on_time_today / r.closed_today : null,
    satisfactionAvg: r.satisfaction_avg == null ? null : Math.round(r.satisfaction_avg * 100) / 100,
    rectificationRate: r.violations > 0 ? r.violations_rectified / r.violations : null,
    parkingCapacity: capacity,
    parkingFree: capacity - (r.parking_occupied ?? 0),
    asOfEventId,
    computedAt: now.toISOString(),
    dayStart: dayStart.toISOString(),
  };
}

/** Event types that can move a KPI (people/positions cannot). */
function movesKpis(e: LiveEvent): boolean {
  return e.entityType === 'incident' || e.entityType === 'parking_lot' || e.entityType === 'violation' || e.entityType === 'building';
}

export interface KpiPusher {
  latest(): Kpis | undefined;
  /**
   * The KPIs `scope` may see: the street's (computed now, or the cached figures if nothing changed since),
   * or a grid worker's grid (computed on each call: workers are few and their figures are not pushed).
   */
  current(scope: ScopePolicy): Promise<Kpis>;
  stop(): void;
}

export function createKpiPusher(deps: {
  db: Queryable;
  io: RealtimeServer;
  publisher: EventPublisher;
  clock: Clock;
  logger: Logger;
  minIntervalMs?: number;
}): KpiPusher {
  const { db, io, publisher, clock, logger } = deps;
  const minInterval = deps.minIntervalMs ?? KPI_MIN_INTERVAL_MS;
  let latest: Kpis | undefined;
  let dirty = true;
  let lastRunAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // "Today" rolls over at midnight even without events: recompute at least once a minute.
  const rollover = setInterval(() => schedule(), 60_000);
  rollover.unref();

  async function recompute(): Promise<void> {
    lastRunAt = Date.now();
    dirty = false;
    const kpis = await computeKpis(db, clock.now(), publisher.cursor, STREET_SCOPE);
    latest = kpis;
    io.local.to(STREET_ROOM).emit('kpis:updated', kpis);
  }

  function schedule(): void {
    dirty = true;
    if (timer || stopped) return;
    const wait = Math.max(0, lastRunAt + minInterval - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      recompute().catch((err: unknown) => {
        dirty = true;
        logger.warn({ err: (err as Error).message }, 'KPI computation failed');
      });
    }, wait);
    timer.unref();
  }

  publisher.onPushed((events) => {
    if (events.some(movesKpis)) schedule();
  });

  return {
    latest: () => latest,
    async current(scope) {
      if (!scope.street) return computeKpis(db, clock.now(), publisher.cursor, scope);
      if (!latest || dirty) {
        latest = await computeKpis(db, clock.now(), publisher.cursor, STREET_SCOPE);
        dirty = false;
      }
      return latest;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(rollover);
    },
  };
}
