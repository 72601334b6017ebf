// Read views over the cached coverage: summary tables, uncovered buildings, isochrone rings.
import type { Queryable } from '../db/db';
import { AppError } from '../../common/errors';
import { LIFE_CIRCLE_MINUTES, type FacilityType } from '../../common/domain';
import type { CoverageEngine } from './coverage-engine';
import { coverageSummary, type CoverageSummary, type LifeCircleMinutes } from './coverage-figures';
import { ringLines, ringPolygon } from './isochrones';
import { timeAtPoint, timeFieldFromPoints, type TimeField } from '../walk/dijkstra';
import { facilitySource, type BuildingSet } from './coverage-data';
import type { WalkGraph } from '../walk/walk-graph';

function buildingTimes(g: WalkGraph, b: BuildingSet, field: TimeField): Float64Array {
  const out = new Float64Array(b.count);
  for (let i = 0; i < b.count; i++) {
    out[i] = b.edge[i] < 0 ? Infinity : timeAtPoint(g, field, { edge: b.edge[i], fraction: b.fraction[i] }).timeS + b.accessS[i];
  }
  return out;
}

export async function summaryView(engine: CoverageEngine, type: FacilityType, minutes: LifeCircleMinutes): Promise<CoverageSummary & { dataVersion: number }> {
  const { state, coverage } = await engine.typeCoverage(type);
  return { ...coverageSummary(type, minutes, state.buildings, coverage.buildingTimeS, coverage.facilities, state.names, state.access), dataVersion: engine.version };
}

/** GeoJSON of the buildings not reached within `minutes` (footprints from PostGIS, times from the engine). */
export async function uncoveredView(db: Queryable, engine: CoverageEngine, type: FacilityType, minutes: LifeCircleMinutes) {
  const { state, coverage } = await engine.typeCoverage(type);
  const limit = minutes * 60;
  const ids: number[] = [];
  const times = new Map<number, number | null>();
  const offNetwork = new Map<number, number | null>();
  for (let i = 0; i < state.buildings.count; i++) {
    const t = coverage.buildingTimeS[i];
    if (t > limit) {
      ids.push(state.buildings.ids[i]);
      times.set(state.buildings.ids[i], Number.isFinite(t) ? Math.round(t) : null);
      if (state.buildings.unreachable[i]) {
        const m = state.buildings.accessM[i];
        offNetwork.set(state.buildings.ids[i], Number.isNaN(m) ? null : Math.round(m));
      }
    }
  }
  const res = await db.query<{ id: number; code: string; name: string | null; residents: number; community_id: number | null; grid_id: number | null; gj: string }>(
    `SELECT id, code, name, residents, community_id, grid_id, ST_AsGeoJSON(geom, 7) AS gj
       FROM buildings WHERE id = ANY($1::int[]) ORDER BY residents DESC, id`,
    [ids],
  );
  return {
    type: 'FeatureCollection' as const,
    properties: {
      facilityType: type, minutes, count: res.rows.length, dataVersion: engine.version,
      /** Of these, how many are farther than the access limit from the network (never covered by any facility). */
      unreachableByNetwork: offNetwork.size,
      accessMaxM: state.access.maxM,
    },
    features: res.rows.map((r) => ({
      type: 'Feature' as const,
      id: r.id,
      geometry: JSON.parse(r.gj) as unknown,
      properties: {
        code: r.code, name: r.name, residents: r.residents, communityId: r.community_id, gridId: r.grid_id,
        // null: no path at all (disconnected, off the network, or no facility of the type); otherwise the time it takes.
        walkSeconds: times.get(r.id) ?? null,
        // true: farther than the access limit from every walkable edge (accessDistanceM says how far; null: never snapped).
        unreachableByNetwork: offNetwork.has(r.id),
        accessDistanceM: offNetwork.get(r.id) ?? null,
      },
    })),
  };
}

/** Per-facility rings cost one search and one buffer each: beyond this, ask for merged bands. */
export const MAX_PER_FACILITY_RINGS = 200;

type RingCollection = { type: 'FeatureCollection'; properties: { dataVersion: number }; features: Array<{ type: 'Feature'; geometry: unknown; properties: Record<string, unknown> }> };

/** Rings per engine and data version: recomputed only when the data changes (ENGINEERING.md §5). */
const ringCache = new WeakMap<CoverageEngine, Map<string, Promise<RingCollection>>>();

export function isochronesView(
  db: Queryable,
  engine: CoverageEngine,
  type: FacilityType,
  shape: 'polygons' | 'lines',
  by: 'band' | 'facility',
): Promise<RingCollection> {
  return engine.getState().then(() => {
    let cache = ringCache.get(engine);
    if (!cache) { cache = new Map(); ringCache.set(engine, cache); }
    const key = `${engine.version}:${type}:${shape}:${by}`;
    let hit = cache.get(key);
    if (!hit) {
      for (const k of cache.keys()) if (!k.startsWith(`${engine.version}:`)) cache.delete(k);
      hit = buildIsochrones(db, engine, type, shape, by);
      hit.catch(() => cache!.delete(key));
      cache.set(key, hit);
    }
    return hit;
  });
}

async function buildIsochrones(
  db: Queryable,
  engine: CoverageEngine,
  type: FacilityType,
  shape: 'polygons' | 'lines',
  by: 'band' | 'facility',
): Promise<RingCollection> {
  const { state, coverage } = await engine.typeCoverage(type);
  if (by === 'facility' && coverage.facilities.length > MAX_PER_FACILITY_RINGS) {
    throw new AppError('VALIDATION_ERROR', `query.by: ${coverage.facilities.length} ${type} facilities is too many for one ring each (at most ${MAX_PER_FACILITY_RINGS}); use by=band`, 'query.by');
  }
  const geom = await engine.edgeGeometry();
  const features: Array<{ type: 'Feature'; geometry: unknown; properties: Record<string, unknown> }> = [];
  // Largest band first, so a client drawing in order puts the 5-minute ring on top.
  const bands = [...LIFE_CIRCLE_MINUTES].reverse();
  const groups = by === 'band'
    ? [{ facilityId: null as number | null, field: coverage.field, times: coverage.buildingTimeS }]
    : coverage.facilities.filter((f) => f.at).map((f) => {
        const field = timeFieldFromPoints(state.graph, [facilitySource(f)!], 'to', 15 * 60);
        return { facilityId: f.id as number | null, field, times: buildingTimes(state.graph, state.buildings, field) };
      });
  for (const group of groups) {
    for (const ring of ringLines(state.graph, geom, group.field, bands)) {
      const props = { minutes: ring.minutes, facilityId: group.facilityId, facilityType: type };
      if (shape === 'lines') {
        features.push({ type: 'Feature', geometry: { type: 'MultiLineString', coordinates: ring.lines }, properties: props });
        continue;
      }
      const limit = ring.minutes * 60;
      const late: number[] = [];
      for (let i = 0; i < state.buildings.count; i++) if (group.times[i] > limit) late.push(state.buildings.ids[i]);
      const polygon = await ringPolygon(db, ring.lines, late);
      if (polygon) features.push({ type: 'Feature', geometry: polygon, properties: props });
    }
  }
  return { type: 'FeatureCollection', properties: { dataVersion: engine.version }, features };
}
