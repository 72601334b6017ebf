// What-if: the base facilities with some added, moved or removed; only the changed types are recomputed.
// Adding sites to a type is incremental (a bounded search from the new sites, taking the minimum with the
// cached field); moving or removing recomputes that type with the 15-minute cutoff (typed arrays: fast).
import { AppError } from '../../common/errors';
import { LIFE_CIRCLE_MINUTES, type FacilityType } from '../../common/domain';
import type { Queryable } from '../db/db';
import type { EdgeSnapIndex } from '../walk/edge-snap-index';
import { pointAccessOf, type FacilityPoint } from './coverage-data';
import { networkAccess, snapSearchRadiusM, type AccessRule } from '../walk/network-access';
import { computeTypeCoverage, type CoverageEngine, type TypeCoverage } from './coverage-engine';
import { coverageSummary, streetFigures } from './coverage-figures';
import { edgesInBox, ringLines } from './isochrones';
import type { ScenarioChange, TypeWhatIf, WhatIfResult } from '../../common/coverage';

export type { TypeWhatIf, WhatIfResult };

/** Figures and rings need nothing beyond the largest life circle. */
export const WHAT_IF_CUTOFF_S = 15 * 60;

type Placed = Pick<FacilityPoint, 'at' | 'access' | 'snap'>;

/**
 * Where a new or moved site meets the network, by the same rule as every facility (network-access.ts): its
 * access walk is added, and beyond the limit it is kept in the scenario but reported unreachable and covers
 * nobody — the planner sees why instead of getting an error or a time the network does not give.
 */
function placeSite(snapper: EdgeSnapIndex, lon: number, lat: number, rule: AccessRule): Placed {
  const s = snapper.nearest(lon, lat, snapSearchRadiusM(rule));
  const access = networkAccess(s?.distanceM ?? null, rule);
  return {
    at: s && access.status !== 'unreachable' ? { edge: s.edge, fraction: s.fraction } : null,
    access,
    snap: s ? { lon: s.lon, lat: s.lat } : null,
  };
}

/** Applies the changes to the base facility list; added sites get negative ids. */
function applyChanges(
  base: readonly FacilityPoint[],
  changes: readonly ScenarioChange[],
  snapper: EdgeSnapIndex,
  rule: AccessRule,
): { byType: Map<FacilityType, { list: FacilityPoint[]; added: FacilityPoint[]; onlyAdds: boolean; places: Array<[number, number]> }> } {
  const byId = new Map(base.map((f) => [f.id, f]));
  const placed = new Map<number, Placed>();
  changes.forEach((c, i) => {
    if (c.op !== 'remove') placed.set(i, placeSite(snapper, c.lon, c.lat, rule));
  });
  const touched = new Map<FacilityType, { removed: Set<number>; moved: Map<number, FacilityPoint>; added: FacilityPoint[] }>();
  const entry = (t: FacilityType) => {
    let e = touched.get(t);
    if (!e) { e = { removed: new Set(), moved: new Map(), added: [] }; touched.set(t, e); }
    return e;
  };
  let nextVirtual = -1;
  changes.forEach((c, i) => {
    if (c.op === 'add') {
      const id = nextVirtual--;
      entry(c.type).added.push({ id, code: `what-if${id}`, type: c.type, name: c.name ?? `new ${c.type}`, lon: c.lon, lat: c.lat, ...placed.get(i)! });
      return;
    }
    const f = byId.get(c.facilityId);
    if (!f) throw new AppError('NOT_FOUND', `changes[${i}]: facility ${c.facilityId} does not exist`, `body.changes.${i}.facilityId`);
    if (c.op === 'remove') entry(f.type).removed.add(f.id);
    else entry(f.type).moved.set(f.id, { ...f, lon: c.lon, lat: c.lat, ...placed.get(i)! });
  });
  const byType = new Map<FacilityType, { list: FacilityPoint[]; added: FacilityPoint[]; onlyAdds: boolean; places: Array<[number, number]> }>();
  for (const [type, e] of touched) {
    const kept = base
      .filter((f) => f.type === type && !e.removed.has(f.id))
      .map((f) => e.moved.get(f.id) ?? f);
    const places: Array<[number, number]> = [
      ...e.added.map((f): [number, number] => [f.lon, f.lat]),
      ...[...e.moved.values()].map((f): [number, number] => [f.lon, f.lat]),
      ...base.filter((f) => e.removed.has(f.id) || e.moved.has(f.id)).map((f): [number, number] => [f.lon, f.lat]),
    ];
    byType.set(type, { list: [...kept, ...e.added], added: e.added, onlyAdds: e.removed.size === 0 && e.moved.size === 0, places });
  }
  return { byType };
}

/** Beyond a 15-minute walk (≈ 1 km) plus the longest block and access walk, a change cannot show. */
export const RING_WINDOW_M = 2500;

function windowAround(places: ReadonlyArray<[number, number]>): [number, number, number, number] {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const [lon, lat] of places) { w = Math.min(w, lon); e = Math.max(e, lon); s = Math.min(s, lat); n = Math.max(n, lat); }
  const dLat = RING_WINDOW_M / 111_320;
  const dLon = RING_WINDOW_M / (111_320 * Math.cos((((s + n) / 2) * Math.PI) / 180));
  return [w - dLon, s - dLat, e + dLon, n + dLat];
}

export interface WhatIfOptions {
  rings?: boolean;
}

export async function evaluateWhatIf(
  _db: Queryable,
  engine: CoverageEngine,
  changes: readonly ScenarioChange[],
  opts: WhatIfOptions = {},
): Promise<WhatIfResult> {
  const t0 = performance.now();
  const state = await engine.getState();
  const { byType } = applyChanges(state.facilities, changes, await engine.snapIndex(), state.access);
  const geom = opts.rings === false ? null : await engine.edgeGeometry();
  const types: TypeWhatIf[] = [];
  for (const [type, plan] of byType) {
    const { coverage: base } = await engine.typeCoverage(type);
    const scenario: TypeCoverage = plan.onlyAdds
      ? computeTypeCoverage(state, type, plan.list, WHAT_IF_CUTOFF_S, base, plan.added)
      : computeTypeCoverage(state, type, plan.list, WHAT_IF_CUTOFF_S);
    const bands = LIFE_CIRCLE_MINUTES.map((minutes) => {
      const limit = minutes * 60;
      const b = streetFigures(state.buildings, base.buildingTimeS, limit);
      const s = streetFigures(state.buildings, scenario.buildingTimeS, limit);
      let gained = 0, lost = 0;
      for (let i = 0; i < state.buildings.count; i++) {
        const was = base.buildingTimeS[i] <= limit, now = scenario.buildingTimeS[i] <= limit;
        if (now && !was) gained += state.buildings.residents[i];
        if (was && !now) lost += state.buildings.residents[i];
      }
      return { minutes, base: b, scenario: s, residentsGained: gained, residentsLost: lost };
    });
    types.push({
      type,
      mode: plan.onlyAdds ? 'incremental' : 'recompute',
      facilities: plan.list.map((f) => ({ id: f.id, name: f.name, lon: f.lon, lat: f.lat, virtual: f.id < 0, ...pointAccessOf(f) })),
      bands,
      summary15: coverageSummary(type, 15, state.buildings, scenario.buildingTimeS, plan.list, state.names, state.access),
      ...(geom
        ? (() => {
            const window = windowAround(plan.places);
            return {
              ringsWindow: window,
              rings: ringLines(state.graph, geom, scenario.field, LIFE_CIRCLE_MINUTES, edgesInBox(geom, window)).map((r) => ({
                minutes: r.minutes,
                geometry: { type: 'MultiLineString' as const, coordinates: r.lines },
              })),
            };
          })()
        : {}),
    });
  }
  return { dataVersion: engine.version, types, serverMs: performance.now() - t0 };
}
