// Turns a deck.gl pick into the unit it hit, from the sub-layer id prefix (stable ids: "communities-polygons" …).
import type { PickingInfo } from '@deck.gl/core';
import type { UnitRef } from '../panels/unit-panel';

export const LAYER_IDS = {
  communities: 'communities',
  grids: 'grids',
  buildings: 'buildings',
  incidents: 'incidents',
  violations: 'violations',
  parking: 'parking',
  facilities: 'facilities',
  coverage: 'coverage',
  workers: 'workers',
  roadLabels: 'road-labels',
} as const;

export function unitFromPick(info: PickingInfo): UnitRef | null {
  const id = info.layer?.id ?? '';
  const obj = info.object as { properties?: { id?: number } } | undefined;
  const unitId = obj?.properties?.id;
  if (typeof unitId !== 'number') return null;
  // info.layer is the top-level composite (id "buildings"); sub-layer ids extend it ("buildings-footprints")
  const is = (base: string) => id === base || id.startsWith(`${base}-`);
  if (is(LAYER_IDS.buildings)) return { level: 'building', id: unitId };
  if (is(LAYER_IDS.grids)) return { level: 'grid', id: unitId };
  if (is(LAYER_IDS.communities)) return { level: 'community', id: unitId };
  return null;
}
