import { describe, it, expect } from 'vitest';
import { addFacility, moveFacility, removeFacility, virtualIdOf } from '../../client/src/pages/plan/scenario';

describe('what-if scenario edits', () => {
  it('numbers added sites −1, −2 … in the order of their "add" changes', () => {
    let c = addFacility([], 'clinic', 117.14, 39.22);
    c = removeFacility(c, 7);
    c = addFacility(c, 'clinic', 117.15, 39.23);
    expect(virtualIdOf(c, 0)).toBe(-1);
    expect(virtualIdOf(c, 2)).toBe(-2);
  });
  it('moves an added site by editing its add, and an existing one with a single move', () => {
    let c = addFacility([], 'market', 117.14, 39.22);
    c = moveFacility(c, -1, 117.141, 39.221);
    expect(c).toEqual([{ op: 'add', type: 'market', lon: 117.141, lat: 39.221 }]);
    c = moveFacility(c, 5, 1, 2);
    c = moveFacility(c, 5, 3, 4);
    expect(c.filter((x) => x.op === 'move')).toEqual([{ op: 'move', facilityId: 5, lon: 3, lat: 4 }]);
  });
  it('removes an added site by dropping its add, and an existing one instead of its moves', () => {
    let c = addFacility([], 'school', 1, 1);
    c = moveFacility(c, 9, 2, 2);
    c = removeFacility(c, -1);
    c = removeFacility(c, 9);
    expect(c).toEqual([{ op: 'remove', facilityId: 9 }]);
  });
});
