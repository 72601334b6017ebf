// Street KPIs, computed by SQL and pushed when they may have changed (after a pushed batch of events),
// coalesced to at most one computation per KPI_MIN_INTERVAL_MS. "Today" is the Asia/Shanghai calendar day.
import { KPI_MIN_INTERVAL_MS, STREET_ROOM, type Kpis } from '../../common/realtime';
import { OPEN_STATUSES } from '../../common/domain';
import type { Clock } from '../clock';
import type { Queryable } from '../db/db';
import type { Logger } from '../logger';
import type { RealtimeServer } from '../realtime/types';
import type { EventPublisher } from '../realtime/event-publisher';
import { STREET_SCOPE, type ScopePolicy } from '../auth/scope';
import { LAYER_SCOPE } from '../layers/layer-scope';
import { tablesChangedBy, type ChangeEvent, type DataTable } from '../events/tables-changed';

/** China Standard Time has had no daylight saving since 1991: a fixed +08:00 offset is exact. */
const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** Start of the Asia/Shanghai calendar day containing `now`. */
export function shanghaiDayStart(now: Date): Date {
  const local = now.getTime() + SHANGHAI_OFFSET_MS;
  return new Date(local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - SHANGHAI_OFFSET_MS);
}

const RECTIFIED = ['rectified', 'demolished', 'verified'];

/**
 * The KPIs come from four tables; each part is one query fragment that reads its table once, so a pushed batch
 * of incident events recomputes only the incident part (a few index scans) and reuses the others. On the ×250
 * city the building sums alone scan 217,500 rows (~50 ms of database CPU); recomputed after every incident
 * they took a core every two seconds from the very commits the wall was waiting for (bench `fanout`).
 */
export type KpiPart = 'buildings' | 'incidents' | 'violations' | 'parking';
export const KPI_PARTS: readonly KpiPart[] = ['buildings', 'incidents', 'violations', 'parking'];
/** The table each part sums or counts. */
const KPI_PART_TABLE: Readonly<Record<KpiPart, DataTable>> = { buildings: 'buildings', incidents: 'incidents', violations: 'violations', parking: 'parking_lots' };

interface KpiPartRows {
  buildings: { households: number | null; residents: number | null; party_members: number | null };
  incidents: { open_incidents: number; reported_today: number; closed_today: number; closed_on_time_today: number; satisfaction_avg: number | null };
  violations: { violations: number; violations_rectified: number };
  parking: { parking_capacity: number | null; parking_occupied: number | null };
}
type KpiRow = KpiPartRows['buildings'] & KpiPartRows['incidents'] & KpiPartRows['violations'] & KpiPartRows['parking'];
type Fragment = (scope: ScopePolicy, p: (v: unknown) => string, day: { start: string; now: string }) => string;

const FRAGMENTS: Record<KpiPart, Fragment> = {
  buildings: (scope, p) => `(SELECT sum(households)::int AS households, sum(residents)::int AS residents, sum(party_members)::int AS party_members
      FROM buildings t WHERE ${scope.where(LAYER_SCOPE.buildings, p)}) AS kb`,
  // Separate subqueries on purpose: each uses its own index (status, reported_at), where one scan with
  // FILTERs would read every incident of the street's history.
  incidents: (scope, p, day) => {
    const cases = scope.cases('t', p);
    const [open, start, now] = [p(`{${OPEN_STATUSES.join(',')}}`), p(day.start), p(day.now)];
    return `(SELECT
       (SELECT count(*)::int FROM incidents t WHERE status = ANY(${open}::text[]) AND ${cases}) AS open_incidents,
       (SELECT count(*)::int FROM incidents t WHERE reported_at >= ${start} AND reported_at <= ${now} AND ${cases}) AS reported_today,
       (SELECT count(*)::int FROM incidents t WHERE status = 'closed' AND closed_at >= ${start} AND closed_at <= ${now} AND ${cases}) AS closed_today,
       (SELECT count(*)::int FROM incidents t WHERE status = 'closed' AND closed_at >= ${start} AND closed_at <= ${now} AND closed_at <= due_at AND ${cases})
         AS closed_on_time_today,
       (SELECT avg(satisfaction)::float8 FROM incidents t
         WHERE satisfaction IS NOT NULL AND closed_at > ${now}::timestamptz - interval '30 days' AND closed_at <= ${now} AND ${cases}) AS satisfaction_avg) AS ki`;
  },
  violations: (scope, p) => `(SELECT count(*)::int AS violations, (count(*) FILTER (WHERE status = ANY(${p(`{${RECTIFIED.join(',')}}`)}::text[])))::int AS violations_rectified
      FROM violations t WHERE ${scope.where(LAYER_SCOPE.violations, p)}) AS kv`,
  parking: (scope, p) => `(SELECT sum(capacity)::int AS parking_capacity, sum(occupied)::int AS parking_occupied
      FROM parking_lots t WHERE ${scope.where(LAYER_SCOPE.parking_lots, p)}) AS kp`,
};

/** The raw figures of the named parts of what `scope` may see, in one query. */
async function computeParts(db: Queryable, now: Date, scope: ScopePolicy, parts: readonly KpiPart[]): Promise<Partial<KpiRow>> {
  if (parts.length === 0) return {};
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const day = { start: shanghaiDayStart(now).toISOString(), now: now.toISOString() };
  const from = parts.map((part) => FRAGMENTS[part](scope, p, day)).join(' CROSS JOIN ');
  return (await db.query<Partial<KpiRow>>(`SELECT * FROM ${from}`, params)).rows[0];
}

function kpisOf(r: KpiRow, now: Date, asOfEventId: number): Kpis {
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
    dayStart: shanghaiDayStart(now).toISOString(),
  };
}

/**
 * The KPIs of what `scope` may see: the street for street roles (pushed to the street room), a worker's
 * grid for a worker (computed on request, never pushed: grid rooms get no kpis:updated).
 */
export async function computeKpis(db: Queryable, now: Date, asOfEventId: number, scope: ScopePolicy): Promise<Kpis> {
  return kpisOf((await computeParts(db, now, scope, KPI_PARTS)) as KpiRow, now, asOfEventId);
}

/** The parts an event can move: those whose table it changed (an import moves every part but the incidents). */
export function kpiPartsMovedBy(e: ChangeEvent): readonly KpiPart[] {
  const tables = tablesChangedBy(e);
  return KPI_PARTS.filter((part) => tables.includes(KPI_PART_TABLE[part]));
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
  // The street's raw figures per part, and the parts that may have moved since they were read.
  let figures: Partial<KpiRow> = {};
  const dirty = new Set<KpiPart>(KPI_PARTS);
  let lastRunAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // "Today" rolls over at midnight even without events, and a roster or a change made straight in the
  // database moves no event: recompute every part at least once a minute.
  const rollover = setInterval(() => schedule(KPI_PARTS), 60_000);
  rollover.unref();

  async function refresh(): Promise<Kpis> {
    const parts = [...dirty];
    dirty.clear();
    const now = clock.now();
    const cursor = publisher.cursor;
    try {
      figures = { ...figures, ...(await computeParts(db, now, STREET_SCOPE, parts)) };
    } catch (err) {
      for (const part of parts) dirty.add(part);
      throw err;
    }
    latest = kpisOf(figures as KpiRow, now, cursor);
    return latest;
  }

  async function recompute(): Promise<void> {
    lastRunAt = Date.now();
    io.local.to(STREET_ROOM).emit('kpis:updated', await refresh());
  }

  function schedule(parts: readonly KpiPart[]): void {
    for (const part of parts) dirty.add(part);
    if (timer || stopped || dirty.size === 0) return;
    const wait = Math.max(0, lastRunAt + minInterval - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      recompute().catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'KPI computation failed');
      });
    }, wait);
    timer.unref();
  }

  publisher.onPushed((events) => {
    const moved = new Set<KpiPart>();
    for (const e of events) for (const part of kpiPartsMovedBy(e)) moved.add(part);
    if (moved.size > 0) schedule([...moved]);
  });

  return {
    latest: () => latest,
    async current(scope) {
      if (!scope.street) return computeKpis(db, clock.now(), publisher.cursor, scope);
      return !latest || dirty.size > 0 ? refresh() : latest;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(rollover);
    },
  };
}
