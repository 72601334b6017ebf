// Where dispatch gets walking times: an interface, so the recommender does not care how times are made,
// and its one real implementation on the walking engine (server/walk): the incident and every candidate are
// snapped to the nearest walkable EDGE, one Dijkstra runs from the incident over the reversed arcs (direction
// 'to': the time from every node TO the incident — workers walk to the incident, and one-way paths count),
// and each candidate reads its time at its own edge point. There is deliberately no straight-line
// implementation: a river or a wall makes "nearest as the crow flies" the wrong worker.
import type { LonLat } from '../../common/incidents';
import type { Db } from '../db/db';
import { timeFieldFromPoints, timeAtPoint, type TimeField } from '../walk/dijkstra';
import { loadWalkGraph, alongEdge, type WalkGraph } from '../walk/walk-graph';
import { snapPoints, type SnappedPoint } from '../walk/snap-buildings';
import { DEFAULT_ACCESS_RULE, checkAccessRule, networkAccess, type AccessRule, type NetworkAccess } from '../walk/network-access';

export interface WalkTarget {
  key: number;
  lon: number;
  lat: number;
}

export interface WalkTime {
  /** Seconds from the target to the destination, including the access walks onto the network (network-access.ts). */
  seconds: number;
  /** Metres walked (network path plus the access legs). */
  meters: number;
  /** The path target → destination as [lon, lat] positions along the network, when asked for. */
  route: [number, number][] | null;
}

export interface WalkTimeOptions {
  /** Targets farther than this (s) count as unreachable. */
  cutoffS: number;
  /** Targets whose route geometry is wanted (the top candidates). */
  routesFor: ReadonlySet<number>;
}

export interface WalkTimeSource {
  /** Shown to the dispatcher, e.g. "walking network (1234 edges)". */
  describe(): Promise<string>;
  /**
   * Walking times from each target to `destination`; unreachable targets (no path within the cutoff, or
   * farther than the access limit from the network) are absent from the map — all of them when the
   * destination itself is off the network.
   */
  timesTo(destination: LonLat, targets: readonly WalkTarget[], opts: WalkTimeOptions): Promise<Map<number, WalkTime>>;
}

/** Thrown when there is no walking network to route on (nothing imported yet). */
export class NoWalkNetworkError extends Error {
  constructor() {
    super('no walking network is loaded: import roads (OSM or lines) before asking for walking times');
    this.name = 'NoWalkNetworkError';
  }
}

interface CachedGraph {
  fingerprint: string;
  graph: WalkGraph;
  /** (from node, to node) → edge index for every walkable arc, for path reconstruction. */
  arcEdge: Map<number, number>;
}

const EPS = 1e-6;

/** The walking engine behind the interface. One instance per process; the graph is reloaded when edges change. */
export class NetworkWalkTimeSource implements WalkTimeSource {
  private cached: CachedGraph | undefined;
  private loading: Promise<CachedGraph> | undefined;

  private readonly access: AccessRule;

  constructor(private readonly db: Db, opts: { access?: AccessRule } = {}) {
    this.access = checkAccessRule({ ...(opts.access ?? DEFAULT_ACCESS_RULE) });
  }

  private async fingerprint(): Promise<string> {
    const r = await this.db.query<{ n: number; m: number; x: number }>(
      'SELECT count(*)::int AS n, coalesce(max(id), 0) AS m, (SELECT count(*)::int FROM walk_nodes) AS x FROM walk_edges',
    );
    const row = r.rows[0];
    return `${row.n}/${row.m}/${row.x}`;
  }

  private async graph(): Promise<CachedGraph> {
    const fp = await this.fingerprint();
    if (this.cached?.fingerprint === fp) return this.cached;
    if (!this.loading) {
      this.loading = (async () => {
        const graph = await loadWalkGraph(this.db);
        const arcEdge = new Map<number, number>();
        const n = graph.nodeCount;
        for (let e = 0; e < graph.edgeCount; e++) {
          const s = graph.edgeSource[e], t = graph.edgeTarget[e];
          if (graph.edgeCost[e] >= 0) keepCheaper(arcEdge, s * n + t, e, graph, true);
          if (graph.edgeReverseCost[e] >= 0) keepCheaper(arcEdge, t * n + s, e, graph, false);
        }
        this.cached = { fingerprint: fp, graph, arcEdge };
        return this.cached;
      })().finally(() => {
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  async describe(): Promise<string> {
    const { graph } = await this.graph();
    return `walking network (${graph.edgeCount} edges)`;
  }

  async timesTo(destination: LonLat, targets: readonly WalkTarget[], opts: WalkTimeOptions): Promise<Map<number, WalkTime>> {
    const out = new Map<number, WalkTime>();
    const { graph: g, arcEdge } = await this.graph();
    if (g.edgeCount === 0) throw new NoWalkNetworkError();
    if (targets.length === 0) return out;
    const snapped = await snapPoints(this.db, [destination, ...targets]);
    const dest = snapped[0];
    const destEdge = g.edgeIndex.get(dest.edgeId);
    if (destEdge === undefined) throw new NoWalkNetworkError();
    // One rule for every point off the network (network-access.ts): the straight line to the snap point is
    // walked and added; beyond the limit the point is unreachable by walking.
    const destAccess = networkAccess(dest.distanceM, this.access);
    if (destAccess.status === 'unreachable') return out;
    const accessOf = new Map<number, NetworkAccess>();
    const field = timeFieldFromPoints(g, [{ edge: destEdge, fraction: dest.fraction, origin: 0 }], 'to', opts.cutoffS);
    const lengths = new Map<number, number>();
    const paths = new Map<number, { tgt: SnappedPoint; edgesPath: Array<{ edge: number; forward: boolean }> | null }>();

    targets.forEach((target, i) => {
      const tgt = snapped[i + 1];
      const edge = g.edgeIndex.get(tgt.edgeId);
      if (edge === undefined) return;
      const tgtAccess = networkAccess(tgt.distanceM, this.access);
      if (tgtAccess.status === 'unreachable') return;
      accessOf.set(target.key, tgtAccess);
      const accessS = tgtAccess.walkS + destAccess.walkS;
      const at = timeAtPoint(g, field, { edge, fraction: tgt.fraction });
      const seconds = at.timeS + accessS;
      if (!Number.isFinite(at.timeS) || seconds > opts.cutoffS) return;
      const edgesPath = pathToDestination(g, field, arcEdge, edge, tgt.fraction, destEdge, dest.fraction, at.timeS);
      paths.set(target.key, { tgt, edgesPath });
      for (const step of edgesPath ?? []) lengths.set(Number(g.edgeIds[step.edge]), 0);
      lengths.set(Number(g.edgeIds[edge]), 0);
      lengths.set(Number(g.edgeIds[destEdge]), 0);
      out.set(target.key, { seconds, meters: 0, route: null });
    });

    // Edge lengths (and, for the routes asked for, geometries) in one query.
    const wantGeom = new Set<number>();
    for (const key of opts.routesFor) for (const s of paths.get(key)?.edgesPath ?? []) wantGeom.add(Number(g.edgeIds[s.edge]));
    const geoms = new Map<number, [number, number][]>();
    if (lengths.size > 0) {
      const res = await this.db.query<{ id: number; length_m: number; coords: string | null }>(
        `SELECT id, length_m, CASE WHEN id = ANY($2::bigint[]) THEN ST_AsGeoJSON(geom, 7) END AS coords
           FROM walk_edges WHERE id = ANY($1::bigint[])`,
        [[...lengths.keys()], [...wantGeom]],
      );
      for (const r of res.rows) {
        lengths.set(Number(r.id), Number(r.length_m));
        if (r.coords) geoms.set(Number(r.id), (JSON.parse(r.coords) as { coordinates: [number, number][] }).coordinates);
      }
    }
    const len = (e: number) => lengths.get(Number(g.edgeIds[e])) ?? 0;

    for (const [key, { tgt, edgesPath }] of paths) {
      const wt = out.get(key);
      if (!wt) continue;
      const tgtEdge = g.edgeIndex.get(tgt.edgeId) as number;
      let meters = accessOf.get(key)!.walkM + destAccess.walkM;
      if (edgesPath === null || edgesPath.length === 0) {
        // Same edge, no node passed: the distance along the shared edge.
        meters += Math.abs(tgt.fraction - dest.fraction) * len(tgtEdge);
      } else {
        const first = edgesPath[0];
        const last = edgesPath[edgesPath.length - 1];
        meters += first.forward ? (1 - tgt.fraction) * len(tgtEdge) : tgt.fraction * len(tgtEdge);
        for (const s of edgesPath.slice(1, -1)) meters += len(s.edge);
        meters += last.forward ? dest.fraction * len(destEdge) : (1 - dest.fraction) * len(destEdge);
      }
      wt.meters = Math.round(meters);
      if (opts.routesFor.has(key)) {
        const target = targets.find((t) => t.key === key) as WalkTarget;
        const line: [number, number][] = [[target.lon, target.lat], [tgt.lon, tgt.lat]];
        for (const s of (edgesPath ?? []).slice(1, -1)) {
          const c = geoms.get(Number(g.edgeIds[s.edge]));
          if (c) line.push(...(s.forward ? c : [...c].reverse()));
        }
        line.push([dest.lon, dest.lat], [destination.lon, destination.lat]);
        wt.route = line;
      }
    }
    return out;
  }
}

function keepCheaper(map: Map<number, number>, key: number, e: number, g: WalkGraph, forward: boolean): void {
  const cost = forward ? g.edgeCost[e] : g.edgeReverseCost[e];
  const prev = map.get(key);
  if (prev === undefined) {
    map.set(key, e);
    return;
  }
  const prevForward = g.edgeSource[prev] * g.nodeCount + g.edgeTarget[prev] === key;
  const prevCost = prevForward ? g.edgeCost[prev] : g.edgeReverseCost[prev];
  if (cost < prevCost) map.set(key, e);
}

/**
 * The edges walked from a target point to the destination point, reconstructed from the time field
 * (no predecessor array needed): from a node v, the next node w is one with cost(v→w) + dist[w] = dist[v].
 * Returns [] when the target reaches the destination along their shared edge without passing a node.
 * The first entry is the target's own edge, the last the destination's.
 */
function pathToDestination(
  g: WalkGraph,
  field: TimeField,
  arcEdge: ReadonlyMap<number, number>,
  tgtEdge: number,
  tgtFraction: number,
  destEdge: number,
  destFraction: number,
  bestS: number,
): Array<{ edge: number; forward: boolean }> | null {
  const n = g.nodeCount;
  if (tgtEdge === destEdge) {
    const direct = alongEdge(g, tgtEdge, tgtFraction, destFraction);
    if (Math.abs(direct - bestS) < EPS * Math.max(1, bestS)) return [];
  }
  // Leave the target's edge through whichever end gives the best time.
  const s = g.edgeSource[tgtEdge], t = g.edgeTarget[tgtEdge];
  const viaS = alongEdge(g, tgtEdge, tgtFraction, 0) + field.dist[s];
  const viaT = alongEdge(g, tgtEdge, tgtFraction, 1) + field.dist[t];
  const startForward = viaT <= viaS;
  let v = startForward ? t : s;
  const path: Array<{ edge: number; forward: boolean }> = [{ edge: tgtEdge, forward: startForward }];
  // Walk down the field until the destination edge's end node is reached (dist there = the partial edge).
  for (let guard = 0; guard < n; guard++) {
    const ds = g.edgeSource[destEdge], dt = g.edgeTarget[destEdge];
    const finishCost = v === ds ? alongEdge(g, destEdge, 0, destFraction) : v === dt ? alongEdge(g, destEdge, 1, destFraction) : Infinity;
    if (Math.abs(finishCost - field.dist[v]) <= EPS * Math.max(1, field.dist[v])) {
      path.push({ edge: destEdge, forward: v === ds });
      return path;
    }
    let next = -1;
    for (let k = g.outOffsets[v], end = g.outOffsets[v + 1]; k < end; k++) {
      const w = g.outTo[k];
      if (Math.abs(g.outCost[k] + field.dist[w] - field.dist[v]) <= EPS * Math.max(1, field.dist[v])) {
        next = w;
        break;
      }
    }
    if (next < 0) return null;
    const e = arcEdge.get(v * n + next);
    if (e === undefined) return null;
    path.push({ edge: e, forward: g.edgeSource[e] === v });
    v = next;
  }
  return null;
}
