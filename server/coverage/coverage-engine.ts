// The coverage engine: holds the walking graph, the buildings and the facilities in memory and, per facility
// type, the time field and every building's walking time to the nearest facility. Everything is rebuilt
// when the data fingerprint changes (checked at most every `recheckMs`) or on invalidate(); otherwise cached.
import type { Queryable } from '../db/db';
import { FACILITY_TYPES, type FacilityType } from '../../common/domain';
import { loadWalkGraph, type WalkGraph } from '../walk/walk-graph';
import { fillTimesAtPoints, timeFieldFromPoints, type TimeField } from '../walk/dijkstra';
import { loadEdgeGeometry, type EdgeGeometry } from './isochrones';
import { EdgeSnapIndex } from '../walk/edge-snap-index';
import {
  dataFingerprint, facilitySources, loadAreaNames, loadBuildings, loadFacilities,
  type AreaNames, type BuildingSet, type FacilityPoint,
} from './coverage-data';
import { checkAccessRule, DEFAULT_ACCESS_RULE, type AccessRule } from '../walk/network-access';

/** Residents walk TO a facility: the field holds the time from each node to the nearest facility. */
export const COVERAGE_DIRECTION = 'to' as const;

export interface TypeCoverage {
  type: FacilityType;
  facilities: FacilityPoint[];
  field: TimeField;
  /** Seconds from each building (same order as BuildingSet) to the nearest facility; Infinity if none. */
  buildingTimeS: Float64Array;
  /** Facility id that gives that time, -1 when none. */
  buildingFacility: Int32Array;
}

export interface CoverageState {
  graph: WalkGraph;
  buildings: BuildingSet;
  facilities: FacilityPoint[];
  names: AreaNames;
  /** The access rule the buildings and facilities were snapped with (network-access.ts). */
  access: AccessRule;
}

/** Building times for one facility list on one graph (the hot path of full recomputes and what-ifs). */
export function computeTypeCoverage(
  state: CoverageState,
  type: FacilityType,
  facilities: FacilityPoint[],
  cutoffS = Infinity,
  base?: TypeCoverage,
  added?: FacilityPoint[],
): TypeCoverage {
  const { graph, buildings } = state;
  // Each facility's access walk is its seed's offset; the building's own access walk is added per building.
  const field = base && added
    ? timeFieldFromPoints(graph, facilitySources(added), COVERAGE_DIRECTION, cutoffS, base.field)
    : timeFieldFromPoints(graph, facilitySources(facilities), COVERAGE_DIRECTION, cutoffS);
  const n = buildings.count;
  const buildingTimeS = new Float64Array(n);
  const buildingFacility = new Int32Array(n);
  fillTimesAtPoints(graph, field, buildings.edge, buildings.fraction, buildings.accessS, buildingTimeS, buildingFacility);
  return { type, facilities, field, buildingTimeS, buildingFacility };
}

export interface CoverageEngineOptions {
  /** How often the data fingerprint is re-read (ms). Writes that call invalidate() are seen at once. */
  recheckMs?: number;
  now?: () => number;
  /** How facilities and buildings off the network are treated (server/config.ts ACCESS_*); defaults documented there. */
  access?: AccessRule;
}

export class CoverageEngine {
  private state: CoverageState | null = null;
  private fingerprint: { network: string; buildings: string; facilities: string } | null = null;
  private checkedAt = -Infinity;
  private types = new Map<FacilityType, TypeCoverage>();
  private loading: Promise<CoverageState> | null = null;
  private geometry: { graph: WalkGraph; geom: Promise<EdgeGeometry> } | null = null;
  private snapper: { geom: EdgeGeometry; index: EdgeSnapIndex } | null = null;
  private readonly recheckMs: number;
  private readonly now: () => number;
  readonly access: AccessRule;
  /** Bumped on every rebuild: what-if answers and ring caches carry it. */
  version = 0;

  constructor(private readonly db: Queryable, opts: CoverageEngineOptions = {}) {
    this.recheckMs = opts.recheckMs ?? 2000;
    this.now = opts.now ?? (() => performance.now());
    this.access = checkAccessRule({ ...(opts.access ?? DEFAULT_ACCESS_RULE) });
  }

  /** Call after writing facilities, buildings or the network: the next read rebuilds what changed. */
  invalidate(): void {
    this.checkedAt = -Infinity;
    this.fingerprint = null;
  }

  async getState(): Promise<CoverageState> {
    if (this.state && this.now() - this.checkedAt < this.recheckMs) return this.state;
    if (!this.loading) {
      this.loading = this.refresh().finally(() => { this.loading = null; });
    }
    return this.loading;
  }

  private async refresh(): Promise<CoverageState> {
    const fp = await dataFingerprint(this.db);
    const old = this.fingerprint;
    const prev = this.state;
    let graph = prev?.graph;
    let buildings = prev?.buildings;
    let facilities = prev?.facilities;
    let names = prev?.names;
    const networkChanged = !old || !graph || old.network !== fp.network;
    if (networkChanged) graph = await loadWalkGraph(this.db);
    if (networkChanged || !buildings || !names || old?.buildings !== fp.buildings) {
      buildings = await loadBuildings(this.db, graph!, this.access);
      names = await loadAreaNames(this.db);
    }
    if (networkChanged || !facilities || old?.facilities !== fp.facilities) facilities = await loadFacilities(this.db, graph!, this.access);
    const changed = !prev || prev.graph !== graph || prev.buildings !== buildings || prev.facilities !== facilities;
    if (changed) {
      this.state = { graph: graph!, buildings: buildings!, facilities: facilities!, names: names!, access: this.access };
      this.types.clear();
      this.version++;
    }
    this.fingerprint = fp;
    this.checkedAt = this.now();
    return this.state!;
  }

  /** Walking times of every building to the nearest facility of `type` (cached per data version). */
  async typeCoverage(type: FacilityType): Promise<{ state: CoverageState; coverage: TypeCoverage }> {
    const state = await this.getState();
    let coverage = this.types.get(type);
    if (!coverage) {
      coverage = computeTypeCoverage(state, type, state.facilities.filter((f) => f.type === type));
      this.types.set(type, coverage);
    }
    return { state, coverage };
  }

  /** Edge geometries for rings, loaded once per network. */
  async edgeGeometry(): Promise<EdgeGeometry> {
    const { graph } = await this.getState();
    if (!this.geometry || this.geometry.graph !== graph) {
      this.geometry = { graph, geom: loadEdgeGeometry(this.db, graph) };
    }
    return this.geometry.geom;
  }

  /** In-memory nearest-edge index over the current network (what-if sites). */
  async snapIndex(): Promise<EdgeSnapIndex> {
    const { graph } = await this.getState();
    const geom = await this.edgeGeometry();
    if (!this.snapper || this.snapper.geom !== geom) this.snapper = { geom, index: new EdgeSnapIndex(graph, geom) };
    return this.snapper.index;
  }

  /** Full recompute of every facility type (benchmarks; warm-up after an import). */
  async recomputeAll(): Promise<Map<FacilityType, TypeCoverage>> {
    const state = await this.getState();
    this.types.clear();
    for (const type of FACILITY_TYPES) {
      this.types.set(type, computeTypeCoverage(state, type, state.facilities.filter((f) => f.type === type)));
    }
    return new Map(this.types);
  }
}
