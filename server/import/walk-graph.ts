// Turns walkable lines into graph topology: a vertex wherever a line ends or two lines share a node, one
// edge per stretch between vertices, keeping the line's geometry. Used by the OSM import (node ids = OSM node
// ids) and by the line import (node ids assigned per distinct coordinate). Lengths are measured by the
// database (ST_Length on geography) when the edges are inserted, so both backends agree to the millimetre.
import type { Position } from 'geojson';
import type { Queryable } from '../db/db';
import { WALK_SPEED_MPS } from '../../common/domain';

/** Steps are walked at half speed (a common pedestrian-routing assumption, e.g. OSRM's foot profile is slower on steps). */
export const STEPS_SPEED_FACTOR = 0.5;

export interface WalkWay {
  /** Node ids along the way, same length as `coords`. */
  nodes: number[];
  coords: Position[];
  kind: string;
  name: string | null;
  sourceId: string | null;
  /** 1: walkable only forwards; -1: only backwards; 0: both ways. */
  oneway: 0 | 1 | -1;
}

export interface WalkEdgeDraft {
  source: number;
  target: number;
  coords: Position[];
  kind: string;
  name: string | null;
  sourceId: string | null;
  forwardOnly: boolean;
}

/** Splits ways at shared nodes and ends. Returns the vertices used by edges and the edges. */
export function splitWays(ways: readonly WalkWay[]): { vertices: Map<number, Position>; edges: WalkEdgeDraft[] } {
  const uses = new Map<number, number>();
  for (const w of ways) for (const n of w.nodes) uses.set(n, (uses.get(n) ?? 0) + 1);
  const vertices = new Map<number, Position>();
  const edges: WalkEdgeDraft[] = [];
  for (const w of ways) {
    splitWay(w, (n) => (uses.get(n) ?? 0) > 1, (e, sourceAt, targetAt) => {
      vertices.set(e.source, sourceAt);
      vertices.set(e.target, targetAt);
      edges.push(e);
    });
  }
  return { vertices, edges };
}

/**
 * Cuts one way into edges at its ends and at its nodes that `shared` says occur more than once among all the
 * ways (in this way or another): the rule of splitWays, one way at a time, so the OSM import can stream its
 * ways against a compact set of shared nodes (walk-graph-stream.ts). `onEdge` gets each edge in order with
 * its two end positions.
 */
export function splitWay(
  w0: WalkWay,
  shared: (node: number) => boolean,
  onEdge: (edge: WalkEdgeDraft, sourceAt: Position, targetAt: Position) => void,
): void {
  // A way walkable only backwards is stored reversed, so "forward only" is the one flag the edge needs.
  const w = w0.oneway === -1 ? { ...w0, nodes: [...w0.nodes].reverse(), coords: [...w0.coords].reverse() } : w0;
  if (w.nodes.length < 2) return;
  const last = w.nodes.length - 1;
  const cut: number[] = [0];
  for (let i = 1; i < last; i++) if (shared(w.nodes[i])) cut.push(i);
  cut.push(last);
  for (let k = 0; k + 1 < cut.length; k++) {
    const a = cut[k];
    const b = cut[k + 1];
    // A stretch that starts and ends on the same node (a closed way with no other junction) is split at
    // its middle vertex, so no edge is a self-loop.
    const pieces: [number, number][] = [];
    if (w.nodes[a] === w.nodes[b] && b - a >= 2) {
      const mid = a + Math.floor((b - a) / 2);
      pieces.push([a, mid], [mid, b]);
    } else if (w.nodes[a] !== w.nodes[b]) {
      pieces.push([a, b]);
    }
    for (const [s, t] of pieces) {
      onEdge({
        source: w.nodes[s],
        target: w.nodes[t],
        coords: w.coords.slice(s, t + 1),
        kind: w.kind,
        name: w.name,
        sourceId: w.sourceId,
        forwardOnly: w.oneway !== 0,
      }, w.coords[s], w.coords[t]);
    }
  }
}

const BATCH = 4000;

/** Inserts vertices and edges; length_m from geography, cost_s = length / walking speed (steps slower). */
export async function insertWalkGraph(
  tx: Queryable,
  graph: { vertices: Map<number, Position>; edges: WalkEdgeDraft[] },
): Promise<{ nodes: number; edges: number }> {
  const nodeRows = [...graph.vertices].map(([id, c]) => ({ id, x: c[0], y: c[1] }));
  for (let i = 0; i < nodeRows.length; i += BATCH) await insertWalkNodes(tx, nodeRows.slice(i, i + BATCH));
  let edges = 0;
  for (let i = 0; i < graph.edges.length; i += BATCH) edges += await insertWalkEdges(tx, graph.edges.slice(i, i + BATCH));
  return { nodes: nodeRows.length, edges };
}

/** One batch of walk_nodes rows. */
export async function insertWalkNodes(tx: Queryable, rows: readonly { id: number; x: number; y: number }[]): Promise<number> {
  if (rows.length === 0) return 0;
  const res = await tx.query(
    `INSERT INTO walk_nodes (id, geom)
     SELECT r.id, ST_SetSRID(ST_MakePoint(r.x, r.y), 4326)
       FROM json_to_recordset($1::json) AS r(id bigint, x float8, y float8)`,
    [JSON.stringify(rows)],
  );
  return res.rowCount;
}

/** One batch of walk_edges rows, in order (their ids follow it); their nodes must be inserted already. */
export async function insertWalkEdges(tx: Queryable, edges: readonly WalkEdgeDraft[]): Promise<number> {
  if (edges.length === 0) return 0;
  const rows = edges.map((e) => ({
    s: e.source,
    t: e.target,
    k: e.kind,
    n: e.name,
    sid: e.sourceId,
    f: e.forwardOnly,
    v: WALK_SPEED_MPS * (e.kind === 'steps' ? STEPS_SPEED_FACTOR : 1),
    g: JSON.stringify({ type: 'LineString', coordinates: e.coords }),
  }));
  const res = await tx.query(
    `INSERT INTO walk_edges (source, target, kind, name, length_m, cost_s, reverse_cost_s, source_id, geom)
     SELECT r.s, r.t, r.k, r.n, l.len, l.len / r.v, CASE WHEN r.f THEN -1 ELSE l.len / r.v END, r.sid, l.geom
       FROM json_to_recordset($1::json) AS r(s bigint, t bigint, k text, n text, sid text, f boolean, v float8, g text)
       CROSS JOIN LATERAL (SELECT g1.geom, ST_Length(g1.geom::geography) AS len
                             FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326) AS geom) g1) l`,
    [JSON.stringify(rows)],
  );
  return res.rowCount;
}
