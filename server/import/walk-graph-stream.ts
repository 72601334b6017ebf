// The walking graph of the OSM import, written in batches as the ways stream past instead of held whole
// (issue 14 item 3). splitWays (walk-graph.ts) needs to know, for each node of a way, whether it occurs more
// than once among all the walkable ways; that is the one thing kept for the whole import, compactly:
//   - a first pass collects the node ids of every walkable stretch into a Float64Array (8 bytes a node ref,
//     dropped once sorted) and keeps the ids that occur twice or more, sorted, in a Float64Array (8 bytes a
//     shared node) with one byte each saying whether its walk_nodes row is written yet;
//   - the second pass cuts each way against it (binary search) and hands edges and new vertices to the
//     writer, which inserts them BATCH at a time, the vertices of a batch before its edges (foreign keys).
// A node that occurs once belongs to exactly one stretch, so it can only repeat as the end of one piece and
// the start of the next: comparing with the last vertex written is enough to write it once. Nothing per
// edge is held after its batch is written.
import type { Position } from 'geojson';
import type { Queryable } from '../db/db';
import { insertWalkEdges, insertWalkNodes, splitWay, type WalkEdgeDraft, type WalkWay } from './walk-graph';

/** Collects node ids (with repeats) and gives the set of those seen more than once. */
export class NodeIdCollector {
  private ids = new Float64Array(1 << 16);
  private n = 0;

  add(nodes: readonly number[]): void {
    if (this.n + nodes.length > this.ids.length) {
      const next = new Float64Array(Math.max(this.ids.length * 2, this.n + nodes.length));
      next.set(this.ids.subarray(0, this.n));
      this.ids = next;
    }
    for (const id of nodes) this.ids[this.n++] = id;
  }

  /** The ids added more than once; the collector is empty afterwards. */
  shared(): SharedNodes {
    const all = this.ids.subarray(0, this.n).sort();
    let count = 0;
    for (let i = 1; i < all.length; i++) if (all[i] === all[i - 1] && (i === 1 || all[i - 1] !== all[i - 2])) count++;
    const out = new Float64Array(count);
    let k = 0;
    for (let i = 1; i < all.length; i++) if (all[i] === all[i - 1] && (i === 1 || all[i - 1] !== all[i - 2])) out[k++] = all[i];
    this.ids = new Float64Array(0);
    this.n = 0;
    return new SharedNodes(out);
  }
}

/** Sorted ids of shared nodes, and which of them have their walk_nodes row already. */
export class SharedNodes {
  private readonly written: Uint8Array;
  constructor(private readonly ids: Float64Array) { this.written = new Uint8Array(ids.length); }

  get size(): number { return this.ids.length; }
  /** Bytes held: 8 per shared node for the id, 1 for the written flag. */
  get bytes(): number { return this.ids.byteLength + this.written.byteLength; }

  /** Index of `id`, or -1. */
  indexOf(id: number): number {
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.ids[mid];
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  has(id: number): boolean { return this.indexOf(id) >= 0; }

  /** True the first time it is asked for a shared node's index. */
  firstWrite(index: number): boolean {
    if (this.written[index]) return false;
    this.written[index] = 1;
    return true;
  }
}

export class WalkGraphWriter {
  private nodeRows: { id: number; x: number; y: number }[] = [];
  private edgeRows: WalkEdgeDraft[] = [];
  nodes = 0;
  edges = 0;

  constructor(private readonly tx: Queryable, private readonly shared: SharedNodes, private readonly batch: number) {}

  /** Splits one way and queues its edges and new vertices, in the order splitWays gives them. */
  async add(way: WalkWay): Promise<void> {
    let last: number | undefined;
    const vertex = (id: number, at: Position) => {
      const k = this.shared.indexOf(id);
      if (k >= 0 ? !this.shared.firstWrite(k) : id === last) return;
      last = id;
      this.nodeRows.push({ id, x: at[0], y: at[1] });
    };
    splitWay(way, (n) => this.shared.has(n), (e, s, t) => {
      vertex(e.source, s);
      vertex(e.target, t);
      this.edgeRows.push(e);
    });
    if (this.edgeRows.length >= this.batch) await this.flush();
  }

  async flush(): Promise<void> {
    this.nodes += await insertWalkNodes(this.tx, this.nodeRows);
    this.nodeRows = [];
    this.edges += await insertWalkEdges(this.tx, this.edgeRows);
    this.edgeRows = [];
  }
}
