// Node coordinates of a PBF kept in a temporary file instead of the heap (issue 14 item 3: "a 200 MB PBF does
// not need 200 MB of heap"), after osm2pgsql's flat-node store: PBF files list nodes sorted by id, so the
// nodes are written in blocks of BLOCK_NODES as they stream past, and only a sparse index stays in memory
// (first and last id, file offset and encoding of each block: ~30 bytes per 1,024 nodes). A look-up finds the
// block by binary search over the index, reads it (a small cache of decoded blocks serves the way refs,
// which point at nearby nodes), and searches it.
// On disk a block is its ids as Uint32 deltas from the previous id (4 bytes a node), then lon and lat: as
// Int32 × 1e-7 degrees (the PBF default granularity, what the parser divides by) when every coordinate of
// the block decodes back to exactly the parser's double, else as Float64 — so a file with another
// granularity still gets the parser's own coordinates. 12 bytes a node for a usual file.
// A node that comes out of id order (an unsorted file) or repeats an id goes to an in-memory Map that
// wins over the file: correct for any file, compact for a sorted one.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { osmTempPrefix } from './temp-files';
import type { NodeCoords } from './read-pbf';

const BLOCK_NODES = 1024;
/** Decoded blocks kept for look-ups: 256 × 1,024 nodes × 24 bytes ≈ 6 MB. */
const CACHE_BLOCKS = 256;
/** Blocks are written to the file in batches of this many bytes (fewer, larger writes). */
const WRITE_BATCH = 1 << 20;
const FIXED = 1e7;
const MAX_DELTA = 0xffffffff;
/** A block of Float64 coordinates: 4 bytes of id delta and 16 of lon/lat a node. */
const MAX_BLOCK_BYTES = BLOCK_NODES * 20;

interface DecodedBlock {
  ids: Float64Array;
  lon: Float64Array;
  lat: Float64Array;
}

/** A growable Float64Array for the index columns. */
class Column {
  data = new Float64Array(256);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

export class NodeStore implements NodeCoords {
  private readonly fd: number;
  private fileBytes = 0;
  // Blocks waiting to be written, and the scratch buffer block reads go through: both allocated once, so
  // that streaming a large file makes no garbage of its own outside the heap.
  private readonly pending = Buffer.allocUnsafe(WRITE_BATCH + MAX_BLOCK_BYTES);
  private pendingBytes = 0;
  private readonly scratch = Buffer.allocUnsafe(MAX_BLOCK_BYTES);
  // The block being filled, as the parser's doubles.
  private readonly ids = new Float64Array(BLOCK_NODES);
  private readonly lon = new Float64Array(BLOCK_NODES);
  private readonly lat = new Float64Array(BLOCK_NODES);
  private fill = 0;
  // The sparse index: one entry per block on disk. `fixed` is 1 for Int32 coordinates, 0 for Float64.
  private readonly firstId = new Column();
  private readonly lastId = new Column();
  private readonly offset = new Column();
  private readonly count = new Column();
  private readonly fixed = new Column();
  private lastWritten = -Infinity;
  private readonly outOfOrder = new Map<number, [number, number]>();
  // Decoded blocks by block number (filled at finish), and a ring of the numbers in the order they were
  // decoded: the oldest is dropped when CACHE_BLOCKS are held (first in, first out: no bookkeeping on a hit,
  // which a look-up per way ref cannot afford; an LRU Map's delete + set cost more than the block search).
  private decoded: (DecodedBlock | undefined)[] = [];
  private readonly ring = new Int32Array(CACHE_BLOCKS).fill(-1);
  private ringPos = 0;
  // The block of the previous look-up: consecutive refs of a way mostly fall in one block, and this skips
  // the index search and the cache's bookkeeping for them.
  private lastBlock: DecodedBlock | null = null;
  private lastFirst = Infinity;
  private lastLast = -Infinity;
  private lastIndex = -1;
  private finished = false;
  private closed = false;
  /** Nodes stored (a repeated id counts each time it is read). */
  size = 0;
  /** Block look-ups served from memory / blocks read from the file: how well the cache suits the file's layout. */
  cacheHits = 0;
  blockReads = 0;

  private constructor(private readonly dir: string) {
    this.fd = openSync(path.join(dir, 'nodes.bin'), 'w+');
  }

  /** A store backed by a new file in its own folder under `parent`; `close()` removes both. */
  static async create(parent = tmpdir()): Promise<NodeStore> {
    return new NodeStore(await mkdtemp(osmTempPrefix(parent, 'osmnodes')));
  }

  /** Adds a node as read from the file. */
  add(id: number, lon: number, lat: number): void {
    if (this.finished) throw new Error('NodeStore.add after finish');
    this.size++;
    const prev = this.fill > 0 ? this.ids[this.fill - 1] : this.lastWritten;
    if (id <= prev) {
      this.outOfOrder.set(id, [lon, lat]);
      return;
    }
    if (this.fill === BLOCK_NODES || (this.fill > 0 && id - prev > MAX_DELTA)) this.flushBlock();
    this.ids[this.fill] = id;
    this.lon[this.fill] = lon;
    this.lat[this.fill] = lat;
    this.fill++;
  }

  /** Writes what is still buffered; look-ups may start. */
  finish(): void {
    if (this.finished) return;
    this.flushBlock();
    this.flushWrites();
    this.decoded = new Array<DecodedBlock | undefined>(this.firstId.length);
    this.finished = true;
  }

  /** Closes and deletes the file. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.decoded = [];
    this.lastBlock = null;
    closeSync(this.fd);
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Bytes the file takes on disk. */
  get bytesOnDisk(): number { return this.fileBytes + this.pendingBytes; }

  get(id: number): [number, number] | undefined {
    if (this.outOfOrder.size > 0) {
      const c = this.outOfOrder.get(id);
      if (c) return [c[0], c[1]];
    }
    let block: DecodedBlock;
    if (this.lastBlock && id >= this.lastFirst && id <= this.lastLast) {
      block = this.lastBlock;
      this.cacheHits++;
    } else {
      const b = this.blockOf(id);
      if (b < 0) return undefined;
      block = this.block(b);
      this.lastBlock = block;
      this.lastFirst = this.firstId.data[b];
      this.lastLast = this.lastId.data[b];
    }
    // Nodes of a way were often added one after the other: try the slot after the previous hit first.
    const next = this.lastIndex + 1;
    const i = block.ids[next] === id ? next : searchSorted(block.ids, id);
    if (i < 0) return undefined;
    this.lastIndex = i;
    return [block.lon[i], block.lat[i]];
  }

  /** The index of the block whose id range holds `id`, -1 when none does. */
  private blockOf(id: number): number {
    const first = this.firstId.data;
    let lo = 0;
    let hi = this.firstId.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (first[mid] <= id) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found >= 0 && id <= this.lastId.data[found] ? found : -1;
  }

  private block(b: number): DecodedBlock {
    if (!this.finished) throw new Error('NodeStore.get before finish');
    const hit = this.decoded[b];
    if (hit) {
      this.cacheHits++;
      return hit;
    }
    this.blockReads++;
    const n = this.count.data[b];
    const fixed = this.fixed.data[b] === 1;
    const bytes = n * 4 + n * (fixed ? 8 : 16);
    const buf = this.scratch;
    let got = 0;
    while (got < bytes) {
      const r = readSync(this.fd, buf, got, bytes - got, this.offset.data[b] + got);
      if (r === 0) throw new Error(`node store: block ${b} is truncated`);
      got += r;
    }
    const ids = new Float64Array(n);
    const lon = new Float64Array(n);
    const lat = new Float64Array(n);
    let id = this.firstId.data[b];
    for (let i = 0; i < n; i++) {
      if (i > 0) id += buf.readUInt32LE(i * 4);
      ids[i] = id;
    }
    const c = n * 4;
    for (let i = 0; i < n; i++) {
      if (fixed) {
        lon[i] = buf.readInt32LE(c + i * 8) / FIXED;
        lat[i] = buf.readInt32LE(c + i * 8 + 4) / FIXED;
      } else {
        lon[i] = buf.readDoubleLE(c + i * 16);
        lat[i] = buf.readDoubleLE(c + i * 16 + 8);
      }
    }
    const block = { ids, lon, lat };
    const old = this.ring[this.ringPos];
    if (old >= 0) this.decoded[old] = undefined;
    this.ring[this.ringPos] = b;
    this.ringPos = (this.ringPos + 1) % CACHE_BLOCKS;
    this.decoded[b] = block;
    return block;
  }

  private flushBlock(): void {
    const n = this.fill;
    if (n === 0) return;
    let fixed = true;
    for (let i = 0; i < n && fixed; i++) {
      const x = Math.round(this.lon[i] * FIXED);
      const y = Math.round(this.lat[i] * FIXED);
      fixed = x / FIXED === this.lon[i] && y / FIXED === this.lat[i];
    }
    const bytes = n * 4 + n * (fixed ? 8 : 16);
    if (this.pendingBytes + bytes > this.pending.length) this.flushWrites();
    const buf = this.pending.subarray(this.pendingBytes, this.pendingBytes + bytes);
    buf.writeUInt32LE(0, 0);
    for (let i = 1; i < n; i++) buf.writeUInt32LE(this.ids[i] - this.ids[i - 1], i * 4);
    const c = n * 4;
    for (let i = 0; i < n; i++) {
      if (fixed) {
        buf.writeInt32LE(Math.round(this.lon[i] * FIXED), c + i * 8);
        buf.writeInt32LE(Math.round(this.lat[i] * FIXED), c + i * 8 + 4);
      } else {
        buf.writeDoubleLE(this.lon[i], c + i * 16);
        buf.writeDoubleLE(this.lat[i], c + i * 16 + 8);
      }
    }
    this.firstId.push(this.ids[0]);
    this.lastId.push(this.ids[n - 1]);
    this.offset.push(this.fileBytes + this.pendingBytes);
    this.count.push(n);
    this.fixed.push(fixed ? 1 : 0);
    this.lastWritten = this.ids[n - 1];
    this.fill = 0;
    this.pendingBytes += bytes;
    if (this.pendingBytes >= WRITE_BATCH) this.flushWrites();
  }

  private flushWrites(): void {
    if (this.pendingBytes === 0) return;
    let done = 0;
    while (done < this.pendingBytes) done += writeSync(this.fd, this.pending, done, this.pendingBytes - done, this.fileBytes + done);
    this.fileBytes += this.pendingBytes;
    this.pendingBytes = 0;
  }
}

function searchSorted(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = sorted[mid];
    if (x < v) lo = mid + 1;
    else if (x > v) hi = mid - 1;
    else return mid;
  }
  return -1;
}
