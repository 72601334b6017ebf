// Scenario edits as pure functions over the list of changes the what-if API takes. Added sites get the
// ids the server gives them: −1 for the first "add" in the list, −2 for the second, … (what-if.ts).
import type { FacilityType } from '../../../../common/domain';
import type { ScenarioChange } from './plan-api';

export function virtualIdOf(changes: readonly ScenarioChange[], index: number): number {
  let n = 0;
  for (let i = 0; i <= index; i++) if (changes[i].op === 'add') n++;
  return -n;
}

function addIndexOf(changes: readonly ScenarioChange[], virtualId: number): number {
  let n = 0;
  for (let i = 0; i < changes.length; i++) {
    if (changes[i].op === 'add' && --n === virtualId) return i;
  }
  return -1;
}

export function addFacility(changes: readonly ScenarioChange[], type: FacilityType, lon: number, lat: number): ScenarioChange[] {
  return [...changes, { op: 'add', type, lon, lat }];
}

/** Moving an added site edits its "add"; moving an existing one replaces any earlier move of it. */
export function moveFacility(changes: readonly ScenarioChange[], id: number, lon: number, lat: number): ScenarioChange[] {
  if (id < 0) {
    const i = addIndexOf(changes, id);
    if (i < 0) return [...changes];
    return changes.map((c, j) => (j === i && c.op === 'add' ? { ...c, lon, lat } : c));
  }
  return [...changes.filter((c) => !(c.op === 'move' && c.facilityId === id)), { op: 'move', facilityId: id, lon, lat }];
}

/**
 * Removing an added site drops its "add" (later added sites are renumbered by the server, so their ids
 * shift by one — callers re-read ids from the next answer); removing an existing one drops its moves.
 */
export function removeFacility(changes: readonly ScenarioChange[], id: number): ScenarioChange[] {
  if (id < 0) {
    const i = addIndexOf(changes, id);
    return changes.filter((_, j) => j !== i);
  }
  return [...changes.filter((c) => !(c.op === 'move' && c.facilityId === id)), { op: 'remove', facilityId: id }];
}
