// The client's live state and the pure functions that change it (kepler.gl-style small updaters).
// Rules (ENGINEERING.md §3): an event is applied only when its id is greater than the last applied id
// (duplicates — the same batch by push and by sync — are normal and ignored); an entity is replaced only
// by a newer version (a snapshot may already hold a newer version than a late event carries).
import {
  isEventOfType,
  isIncidentEvent,
  type IncidentLive,
  type Kpis,
  type LiveEvent,
  type LiveSnapshot,
  type ParkingLive,
  type ViolationLive,
  type WorkerPosition,
} from '../../../common/realtime';

export interface TickerItem {
  eventId: number;
  at: string;
  type: string;
  /** Incident title / lot name / violation code: never a person's name (payloads carry none). */
  label: string;
  status: string | null;
  communityId: number | null;
}

export interface LiveState {
  lastEventId: number;
  incidents: ReadonlyMap<number, IncidentLive>;
  violations: ReadonlyMap<number, ViolationLive>;
  parking: ReadonlyMap<number, ParkingLive>;
  workers: ReadonlyMap<number, WorkerPosition>;
  kpis: Kpis | null;
  /** Newest first, at most TICKER_MAX. */
  ticker: readonly TickerItem[];
  /** Server time the data is known to be current at (ISO). */
  asOf: string | null;
}

export const TICKER_MAX = 30;

export const EMPTY_LIVE_STATE: LiveState = {
  lastEventId: 0,
  incidents: new Map(),
  violations: new Map(),
  parking: new Map(),
  workers: new Map(),
  kpis: null,
  ticker: [],
  asOf: null,
};

/** Closed and rejected incidents leave the live map: a wall runs for weeks and must not grow without end. */
function isFinished(i: IncidentLive): boolean {
  return i.status === 'closed' || i.status === 'rejected';
}

export function fromSnapshot(s: LiveSnapshot): LiveState {
  return {
    lastEventId: s.lastEventId,
    incidents: new Map(s.incidents.filter((i) => !isFinished(i)).map((i) => [i.id, i])),
    violations: new Map(s.violations.map((v) => [v.id, v])),
    parking: new Map(s.parking.map((p) => [p.id, p])),
    workers: new Map(s.workers.map((w) => [w.personId, w])),
    kpis: s.kpis,
    // until events arrive, the ticker shows the newest open incidents (keys below 0: not event ids)
    ticker: s.incidents
      .filter((i) => !isFinished(i))
      .sort((a, b) => (a.reportedAt < b.reportedAt ? 1 : -1))
      .slice(0, TICKER_MAX)
      .map((i) => ({ eventId: -i.id, at: i.reportedAt, type: 'incident.snapshot', label: i.title, status: i.status, communityId: i.communityId })),
    asOf: s.serverTime,
  };
}

/** Replaces `next` in `map` when it is newer than what is there; returns the same map when nothing changes. */
function upsertNewer<T extends { id: number; version: number }>(map: ReadonlyMap<number, T>, next: T): ReadonlyMap<number, T> {
  const cur = map.get(next.id);
  if (cur && cur.version >= next.version) return map;
  const copy = new Map(map);
  copy.set(next.id, next);
  return copy;
}

function tickerItem(e: LiveEvent): TickerItem | null {
  if (isIncidentEvent(e)) {
    const i = e.payload.incident;
    return { eventId: e.id, at: e.at, type: e.type, label: i.title, status: i.status, communityId: i.communityId };
  }
  if (isEventOfType(e, 'violation.status_changed')) {
    const v = e.payload.violation;
    return { eventId: e.id, at: e.at, type: e.type, label: v.code, status: v.status, communityId: v.communityId };
  }
  return null;
}

/** Applies one committed event. Pure: returns a new state, or the same object when the event is a duplicate. */
export function reconcile(state: LiveState, e: LiveEvent): LiveState {
  if (e.id <= state.lastEventId) return state;
  let { incidents, violations, parking } = state;
  if (isIncidentEvent(e)) {
    const inc = e.payload.incident;
    const cur = incidents.get(inc.id);
    if (!cur || cur.version < inc.version) {
      if (isFinished(inc)) {
        if (cur) {
          const copy = new Map(incidents);
          copy.delete(inc.id);
          incidents = copy;
        }
      } else {
        incidents = upsertNewer(incidents, inc);
      }
    }
  } else if (isEventOfType(e, 'parking.occupancy_changed')) {
    parking = upsertNewer(parking, e.payload.lot);
  } else if (isEventOfType(e, 'violation.status_changed')) {
    violations = upsertNewer(violations, e.payload.violation);
  }
  const item = tickerItem(e);
  const ticker = item ? [item, ...state.ticker].slice(0, TICKER_MAX) : state.ticker;
  return { ...state, lastEventId: e.id, incidents, violations, parking, ticker, asOf: e.at > (state.asOf ?? '') ? e.at : state.asOf };
}

/** Applies a batch in id order (batches may interleave between push and sync). */
export function reconcileAll(state: LiveState, events: readonly LiveEvent[]): LiveState {
  return [...events].sort((a, b) => a.id - b.id).reduce(reconcile, state);
}

/** Worker positions are volatile snapshots: the newest fix per worker wins. */
export function applyPositions(state: LiveState, positions: readonly WorkerPosition[]): LiveState {
  if (!positions.length) return state;
  const workers = new Map(state.workers);
  for (const p of positions) {
    const cur = workers.get(p.personId);
    if (!cur || cur.at <= p.at) workers.set(p.personId, p);
  }
  return { ...state, workers };
}

export function applyKpis(state: LiveState, kpis: Kpis): LiveState {
  if (state.kpis && state.kpis.asOfEventId > kpis.asOfEventId) return state;
  return { ...state, kpis, asOf: kpis.computedAt > (state.asOf ?? '') ? kpis.computedAt : state.asOf };
}
