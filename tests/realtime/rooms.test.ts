// Rooms come from the authenticated identity only (QUALITY.md "a socket joining a room it may not see"):
// there is no client command that names a room, so this mapping is the whole policy.
import { describe, expect, it } from 'vitest';
import { roomsFor, visibleIn } from '../../server/realtime/rooms';
import type { LiveEvent } from '../../common/realtime';

const ev = (payload: unknown): LiveEvent => ({
  id: 1, at: '2026-11-26T00:00:00.000Z', type: 't', entityType: 'incident', entityId: '1', version: 1, actor: 'a', reason: null, payload,
});

describe('roomsFor', () => {
  it.each([
    ['wall', null, ['street']],
    ['dispatcher', null, ['street']],
    ['leader', null, ['street']],
    ['planner', null, ['street']],
    ['admin', null, ['street']],
    ['worker', 7, ['grid:7']],
    ['worker', null, []],
  ] as const)('%s (grid %s) → %j', (role, scopeGridId, rooms) => {
    expect(roomsFor({ role, scopeGridId })).toEqual(rooms);
  });

  it('no identity, no rooms', () => {
    expect(roomsFor(undefined)).toEqual([]);
  });
});

describe('visibleIn', () => {
  it('street sees every event; a grid room sees its own grid only (top-level gridId or the incident)', () => {
    expect(visibleIn(['street'], ev({ gridId: null }))).toBe(true);
    expect(visibleIn(['grid:7'], ev({ gridId: 7 }))).toBe(true);
    expect(visibleIn(['grid:7'], ev({ incident: { gridId: 7 } }))).toBe(true);
    expect(visibleIn(['grid:7'], ev({ gridId: 8 }))).toBe(false);
    expect(visibleIn(['grid:7'], ev({ gridId: null }))).toBe(false);
    expect(visibleIn([], ev({ gridId: 7 }))).toBe(false);
  });
});

describe('person rooms', () => {
  it('a worker with a person joins their grid room and their person room; street roles do not', () => {
    expect(roomsFor({ role: 'worker', scopeGridId: 7, personId: 42 })).toEqual(['grid:7', 'person:42']);
    expect(roomsFor({ role: 'worker', scopeGridId: null, personId: 42 })).toEqual(['person:42']);
    expect(roomsFor({ role: 'dispatcher', scopeGridId: null, personId: 42 })).toEqual(['street']);
  });

  it('a person room sees the cases assigned to that person, in any grid, and nothing else', () => {
    expect(visibleIn(['grid:7', 'person:42'], ev({ incident: { gridId: 8, assigneeId: 42 }, gridId: 8 }))).toBe(true);
    expect(visibleIn(['grid:7', 'person:42'], ev({ incident: { gridId: 8, assigneeId: 43 }, gridId: 8 }))).toBe(false);
    expect(visibleIn(['person:42'], ev({ gridId: 8 }))).toBe(false);
  });
});
