// The client's pure reconcile: duplicates ignored, newer version wins, closed incidents leave the map,
// order within a batch does not matter, re-delivery never changes the result.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyKpis, applyPositions, EMPTY_LIVE_STATE, fromSnapshot, reconcile, reconcileAll, TICKER_MAX, type LiveState } from '../../client/src/live/reconcile';
import type { IncidentLive, Kpis, LiveEvent, LiveSnapshot, ParkingLive } from '../../common/realtime';
import type { IncidentStatus } from '../../common/domain';

const incident = (id: number, version: number, status: IncidentStatus = 'reported'): IncidentLive => ({
  id,
  code: `I${id}`,
  category: 'environment',
  severity: 'small',
  status,
  title: `事件${id}`,
  communityId: 1,
  gridId: 1,
  lon: 117.14,
  lat: 39.22,
  assigneeId: null,
  source: 'api',
  reportedAt: '2026-11-26T01:00:00.000Z',
  dueAt: '2026-11-27T16:00:00.000Z',
  closedAt: null,
  escalationLevel: 0,
  reworkCount: 0,
  version,
  updatedAt: '2026-11-26T01:00:00.000Z',
});

const incidentEvent = (id: number, inc: IncidentLive): LiveEvent => ({
  id,
  at: `2026-11-26T01:00:${String(id % 60).padStart(2, '0')}.000Z`,
  type: inc.version === 1 ? 'incident.reported' : `incident.${inc.status}`,
  entityType: 'incident',
  entityId: String(inc.id),
  version: inc.version,
  actor: 'user:1',
  reason: null,
  payload: { incident: inc, gridId: inc.gridId },
});

const lot = (id: number, version: number, occupied: number): ParkingLive => ({
  id,
  code: `P${id}`,
  name: `停车场${id}`,
  kind: 'public',
  communityId: 1,
  capacity: 100,
  occupied,
  lon: 117.14,
  lat: 39.22,
  availability: null,
  version,
  updatedAt: '2026-11-26T01:00:00.000Z',
});

const kpis = (asOfEventId: number, open: number): Kpis => ({
  households: 1, residents: 2, partyMembers: 3, openIncidents: open, reportedToday: 0, closedToday: 0, onTimeRate: null,
  satisfactionAvg: null, rectificationRate: null, parkingCapacity: 0, parkingFree: 0, asOfEventId,
  computedAt: `2026-11-26T01:00:0${asOfEventId % 10}.000Z`, dayStart: '2026-11-25T16:00:00.000Z',
});

describe('reconcile', () => {
  it('applies an event once and ignores it when it comes again', () => {
    const e = incidentEvent(5, incident(1, 1));
    const once = reconcile(EMPTY_LIVE_STATE, e);
    expect(once.lastEventId).toBe(5);
    expect(once.incidents.get(1)?.version).toBe(1);
    expect(reconcile(once, e)).toBe(once);
  });

  it('keeps the newer version from a snapshot when a late event carries an older one', () => {
    const snap: LiveSnapshot = { lastEventId: 10, serverTime: '2026-11-26T01:00:00.000Z', incidents: [incident(1, 3, 'assigned')], violations: [], parking: [], workers: [], kpis: kpis(10, 1) };
    const state = fromSnapshot(snap);
    const late = reconcile(state, incidentEvent(11, incident(1, 2, 'accepted')));
    expect(late.incidents.get(1)?.status).toBe('assigned');
    expect(late.lastEventId).toBe(11);
    const newer = reconcile(late, incidentEvent(12, incident(1, 4, 'in_progress')));
    expect(newer.incidents.get(1)?.status).toBe('in_progress');
  });

  it('removes closed and rejected incidents from the live map', () => {
    let s = reconcileAll(EMPTY_LIVE_STATE, [incidentEvent(1, incident(1, 1)), incidentEvent(2, incident(2, 1))]);
    s = reconcile(s, incidentEvent(3, incident(1, 2, 'closed')));
    s = reconcile(s, incidentEvent(4, incident(2, 2, 'rejected')));
    expect([...s.incidents.keys()]).toEqual([]);
    expect(s.ticker.map((t) => t.status)).toEqual(['rejected', 'closed', 'reported', 'reported']);
  });

  it('replaces parking occupancy by version', () => {
    const ev = (id: number, l: ParkingLive): LiveEvent => ({
      id, at: '2026-11-26T01:00:00.000Z', type: 'parking.occupancy_changed', entityType: 'parking_lot', entityId: String(l.id),
      version: l.version, actor: 'system:sim', reason: null, payload: { lot: l, previousOccupied: 0, gridId: null },
    });
    const s = reconcileAll(EMPTY_LIVE_STATE, [ev(2, lot(7, 2, 40)), ev(1, lot(7, 1, 10))]);
    expect(s.parking.get(7)?.occupied).toBe(40);
  });

  it('keeps the ticker bounded', () => {
    const events = Array.from({ length: TICKER_MAX * 3 }, (_, i) => incidentEvent(i + 1, incident(i + 1, 1)));
    const s = reconcileAll(EMPTY_LIVE_STATE, events);
    expect(s.ticker).toHaveLength(TICKER_MAX);
    expect(s.ticker[0].eventId).toBe(TICKER_MAX * 3);
  });

  it('ignores KPIs older than those it has, and keeps the newest worker fix', () => {
    const s = applyKpis(applyKpis(EMPTY_LIVE_STATE, kpis(9, 5)), kpis(8, 99));
    expect(s.kpis?.openIncidents).toBe(5);
    const w = applyPositions(
      applyPositions(EMPTY_LIVE_STATE, [{ personId: 1, gridId: 1, lon: 1, lat: 1, at: '2026-11-26T01:00:02.000Z' }]),
      [{ personId: 1, gridId: 1, lon: 2, lat: 2, at: '2026-11-26T01:00:01.000Z' }],
    );
    expect(w.workers.get(1)?.lon).toBe(1);
  });

  it('ends in the same state whatever the batch order and however often batches are re-delivered', () => {
    // a history: each step changes one of 5 incidents to its next version
    const history = fc
      .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 40 })
      .map((ids) => {
        const versions = new Map<number, number>();
        const statuses: IncidentStatus[] = ['reported', 'accepted', 'assigned', 'in_progress', 'resolved', 'verified'];
        return ids.map((incId, i) => {
          const v = (versions.get(incId) ?? 0) + 1;
          versions.set(incId, v);
          return incidentEvent(i + 1, incident(incId, v, statuses[(v - 1) % statuses.length]));
        });
      });
    fc.assert(
      fc.property(history, fc.array(fc.nat(), { maxLength: 30 }), fc.integer({ min: 1, max: 7 }), (events, dupPicks, batchSize) => {
        const expected = reconcileAll(EMPTY_LIVE_STATE, events);
        // deliver in order-preserving batches, each batch shuffled, with already-seen events re-delivered
        let s: LiveState = EMPTY_LIVE_STATE;
        for (let i = 0; i < events.length; i += batchSize) {
          const batch = events.slice(i, i + batchSize).reverse();
          const dups = dupPicks.map((p) => events[p % (i + 1)]).filter((e) => e.id <= i);
          s = reconcileAll(s, [...batch, ...dups]);
        }
        expect(s.lastEventId).toBe(expected.lastEventId);
        expect([...s.incidents.entries()].sort()).toEqual([...expected.incidents.entries()].sort());
        expect(s.ticker.map((t) => t.eventId)).toEqual(expected.ticker.map((t) => t.eventId));
      }),
      { numRuns: 200 },
    );
  });
});
