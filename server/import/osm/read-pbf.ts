// Reads from an OSM PBF file only what the import uses, in three streaming passes over the file, so that
// memory grows with the nodes the import keeps, not with the file (issue 14 item 3: "a 200 MB PBF does not
// need 200 MB of heap"). Each pass inflates the file's blocks one at a time (osm-pbf-parser-node in raw
// mode) and decodes only the blocks of the type it wants; which type a block holds is read from the first
// bytes of each of its groups (peekBlockKinds), so a pass never builds objects for the blocks it skips.
//   1. relations: the header is checked, relations the selection wants are kept (building multipolygons with
//      their member way ids; POI relations with their tags only). This pass reads the whole file, so a
//      truncated or corrupt file fails here, before anything is held.
//   2. ways: ways the selection wants, and the member ways of the kept relations. The node ids they refer to
//      become one sorted, de-duplicated Float64Array (node ids pass 2^31; doubles hold them exactly).
//   3. nodes: coordinates only of the referenced nodes, into two Float64Arrays beside the ids (24 bytes a
//      node, against ~100 for a Map entry holding a [lon, lat] array); tags only of the nodes the selection
//      wants (POIs, barriers on kept ways), with their coordinates when no kept way refers to them.
// A file sorted by type then id (osmium writes Sort.Type_then_ID in the header) lets passes 2 and 3 stop at
// the first block of a later type. Every parser failure (truncated, corrupt, not PBF at all) becomes
// IMPORT_FAILED before any database work.
import { createReadStream } from 'node:fs';
import { inflateSync } from 'node:zlib';
import path from 'node:path';
import { OSMTransform, parse } from 'osm-pbf-parser-node';
import { AppError } from '../../../common/errors';
import { readNonEmpty } from '../read-file';
import type { Tags } from './osm-tags';

/**
 * The kept ways, packed: ids, node refs and tags in typed arrays (one shared pool of refs, an offset per way)
 * rather than an object, an array of refs and a tags object per way (~200 bytes a way on the heap). Tags of
 * equal ways share one frozen object: with only TAG_KEYS_READ kept, most ways read `building=yes`.
 */
export interface OsmWays {
  readonly length: number;
  id(i: number): number;
  tags(i: number): Tags;
  refCount(i: number): number;
  /** Node ids of way i, in order: a fresh array the caller owns. */
  refs(i: number): number[];
  /** Index of the way with this id, -1 when it was not kept. */
  indexOf(id: number): number;
}

export interface OsmRelation {
  id: number;
  /** Empty for relations kept for their tags only. */
  members: { type: 'node' | 'way' | 'relation'; ref: number; role: string }[];
  tags: Tags;
}

/** What the caller needs from the file; everything else is read past and dropped. */
export interface OsmSelection {
  /** Keep this way (with its node refs)? `closed`: first ref equals the last and there are ≥ 4. */
  way(tags: Tags, closed: boolean): boolean;
  /** Keep this relation with its members (their ways are kept too), with its tags only, or not at all. */
  relation(tags: Tags): 'members' | 'tags' | null;
  /** Keep this tagged node's tags? `onKeptWay`: a kept way refers to it. */
  nodeTags(tags: Tags, onKeptWay: boolean): boolean;
  /** Tag keys the predicates and the caller read; other keys are dropped as blocks are decoded. All when absent. */
  tagKeys?: readonly string[];
}

/** lon/lat by node id, for the nodes that were kept. */
export interface NodeCoords {
  get(id: number): [number, number] | undefined;
}

export interface OsmReadStats {
  nodesRead: number;
  waysRead: number;
  relationsRead: number;
  waysKept: number;
  relationsKept: number;
  /** Distinct node ids the kept ways refer to. */
  nodesReferenced: number;
  /** Referenced nodes found in the file (the rest are missing from the extract). */
  nodeCoordsKept: number;
  /** Tagged nodes kept with their tags (POIs, barriers). */
  nodeTagsKept: number;
  /** Whether the header said the file is sorted, so passes 2 and 3 could stop early. */
  sorted: boolean;
}

export interface OsmData {
  coords: NodeCoords;
  /** Tags of the kept tagged nodes, in file order. */
  nodeTags: Map<number, Tags>;
  /** Kept ways, in file order. */
  ways: OsmWays;
  /** Kept relations, in file order. */
  relations: OsmRelation[];
  stats: OsmReadStats;
}

interface ParsedItem {
  type?: string;
  id?: number;
  lat?: number;
  lon?: number;
  refs?: number[];
  members?: OsmRelation['members'];
  tags?: Record<string, string>;
  required_features?: string[];
  optional_features?: string[];
}

const KIND_NODES = 1;
const KIND_WAYS = 2;
const KIND_RELATIONS = 4;
const SUPPORTED_FEATURES = ['OsmSchema-V0.6', 'DenseNodes', 'HistoricalInformation'];

export async function readPbf(file: string, selection: OsmSelection): Promise<OsmData> {
  // Size and existence first: a 0-byte file is "empty", not "corrupt".
  await readNonEmpty(file);
  const base = path.basename(file);
  const stats: OsmReadStats = {
    nodesRead: 0, waysRead: 0, relationsRead: 0, waysKept: 0, relationsKept: 0,
    nodesReferenced: 0, nodeCoordsKept: 0, nodeTagsKept: 0, sorted: false,
  };
  try {
    // Pass 1: header and relations.
    let sawHeader = false;
    const relations: OsmRelation[] = [];
    const memberWays = new Set<number>();
    await forEachBlock(file, selection.tagKeys, KIND_RELATIONS, (header) => {
      sawHeader = true;
      const unsupported = (header.required_features ?? []).filter((f) => !SUPPORTED_FEATURES.includes(f));
      if (unsupported.length > 0) throw new AppError('IMPORT_FAILED', `${base} needs PBF features this reader does not have: ${unsupported.join(', ')}`, 'file');
      stats.sorted = (header.optional_features ?? []).includes('Sort.Type_then_ID');
    }, (item) => {
      if (item.type !== 'relation' || item.id === undefined) return;
      stats.relationsRead++;
      const tags = item.tags ?? {};
      const keep = selection.relation(tags);
      if (!keep) return;
      const members = keep === 'members' ? item.members ?? [] : [];
      for (const m of members) if (m.type === 'way') memberWays.add(m.ref);
      relations.push({ id: item.id, members, tags });
    }, false);
    if (!sawHeader) throw new AppError('IMPORT_FAILED', `${base} is not an OSM PBF file (no OSMHeader block). Nothing was imported`, 'file');
    stats.relationsKept = relations.length;

    // Pass 2: ways.
    const ways = new KeptWays();
    const interner = new TagInterner();
    await forEachBlock(file, selection.tagKeys, KIND_WAYS, null, (item) => {
      if (item.type !== 'way' || item.id === undefined) return;
      stats.waysRead++;
      const refs = item.refs ?? [];
      const tags = item.tags ?? {};
      const closed = refs.length >= 4 && refs[0] === refs[refs.length - 1];
      if (!memberWays.has(item.id) && !selection.way(tags, closed)) return;
      ways.push(item.id, refs, interner.tags(tags));
    }, stats.sorted);
    ways.trim();
    stats.waysKept = ways.length;
    memberWays.clear();
    const ids = ways.sortedDistinctRefs();
    stats.nodesReferenced = ids.length;

    // Pass 3: nodes.
    const coords = new KeptNodeCoords(ids);
    const nodeTags = new Map<number, Tags>();
    await forEachBlock(file, selection.tagKeys, KIND_NODES, null, (item) => {
      if (item.type !== 'node' || item.id === undefined || item.lon === undefined || item.lat === undefined) return;
      stats.nodesRead++;
      const referenced = coords.set(item.id, item.lon, item.lat);
      if (item.tags && selection.nodeTags(item.tags, referenced)) {
        nodeTags.set(item.id, interner.tags(item.tags));
        if (!referenced) coords.setExtra(item.id, item.lon, item.lat);
      }
    }, stats.sorted);
    stats.nodeCoordsKept = coords.found;
    stats.nodeTagsKept = nodeTags.size;

    return { coords, nodeTags, ways, relations, stats };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('IMPORT_FAILED', `${base} is not a readable OSM PBF file (truncated or corrupt): ${(err as Error).message}. Nothing was imported`, 'file');
  }
}

/**
 * Streams the file's blocks; decodes those holding `kind` and hands their items to `onItem`. With `stopAfter`
 * (a sorted file), stops at the first block holding only later kinds. `onHeader` sees the OSMHeader block.
 * `parse(raw, blocks)` takes its tag filter from the transform's own options.
 */
async function forEachBlock(
  file: string,
  tagKeys: readonly string[] | undefined,
  kind: number,
  onHeader: ((header: ParsedItem) => void) | null,
  onItem: (item: ParsedItem) => void,
  stopAfter: boolean,
): Promise<void> {
  const source = createReadStream(file);
  const keys = tagKeys ? [...tagKeys] : true;
  const blocks = new OSMTransform({ writeRaw: true, withTags: { node: keys, way: keys, relation: keys }, withInfo: false });
  source.on('error', (err) => blocks.destroy(err));
  source.pipe(blocks);
  try {
    for await (const chunk of blocks as AsyncIterable<Buffer | ParsedItem[]>) {
      if (!Buffer.isBuffer(chunk)) {
        // Raw mode still decodes the OSMHeader block: it arrives as a one-item array.
        if (onHeader) for (const header of chunk) onHeader(header);
        continue;
      }
      const raw = inflateSync(chunk);
      const kinds = peekBlockKinds(raw);
      if (kinds & kind) {
        for (const item of parse(raw, blocks) as ParsedItem[]) onItem(item);
      } else if (stopAfter && kinds > kind) {
        break;
      }
    }
  } finally {
    source.destroy();
  }
}

/**
 * Which kinds of element a PrimitiveBlock holds, from the field number that opens each of its groups
 * (osmformat.proto: PrimitiveBlock.primitivegroup = 2; PrimitiveGroup nodes = 1, dense = 2, ways = 3,
 * relations = 4, changesets = 5), without decoding the block. A bit mask of KIND_*.
 */
export function peekBlockKinds(buf: Uint8Array): number {
  let pos = 0;
  let kinds = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('block ends inside a varint');
      const b = buf[pos++];
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint();
      const end = pos + len;
      if (end > buf.length) throw new Error('block ends inside a field');
      if (field === 2 && len > 0) {
        const groupField = Math.floor(varint() / 8);
        if (groupField === 1 || groupField === 2) kinds |= KIND_NODES;
        else if (groupField === 3) kinds |= KIND_WAYS;
        else if (groupField === 4) kinds |= KIND_RELATIONS;
        else if (groupField === 5) throw new Error('changesets not implemented');
      }
      pos = end;
    } else {
      throw new Error(`unknown protobuf wire type ${wire}`);
    }
  }
  return kinds;
}

/** A Float64Array that grows by doubling; `trim` drops the spare capacity once filling is done. */
class GrowableF64 {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) { this.data = new Float64Array(capacity); }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  trim(): void { if (this.data.length !== this.length) this.data = this.data.slice(0, this.length); }
}

/**
 * One frozen tags object per distinct tag set, and one string per distinct value: tag values repeat a lot
 * (building=yes, highway=residential) and each block decodes its own copies of them. Dropped after reading.
 */
class TagInterner {
  private readonly values = new Map<string, string>();
  private readonly sets = new Map<string, Tags>();

  tags(raw: Record<string, string>): Tags {
    const keys = Object.keys(raw).sort();
    // \u0000 and \u0001 cannot occur in the keys of TAG_KEYS_READ and split key from value unambiguously.
    const key = keys.map((k) => `${k}\u0000${raw[k]}`).join('\u0001');
    const known = this.sets.get(key);
    if (known) return known;
    const out: Record<string, string> = {};
    for (const k of keys) {
      const v = raw[k];
      let shared = this.values.get(v);
      if (shared === undefined) { shared = v; this.values.set(v, v); }
      out[k] = shared;
    }
    const frozen = Object.freeze(out);
    this.sets.set(key, frozen);
    return frozen;
  }
}

class KeptWays implements OsmWays {
  private readonly ids = new GrowableF64();
  /** starts[i] .. starts[i + 1]: way i's refs in the pool. */
  private readonly starts = new GrowableF64();
  private readonly pool = new GrowableF64(4096);
  private readonly tagSets: Tags[] = [];
  private sortedById = true;
  private byId: Map<number, number> | null = null;

  constructor() { this.starts.push(0); }

  get length(): number { return this.ids.length; }

  push(id: number, refs: readonly number[], tags: Tags): void {
    if (this.ids.length > 0 && id <= this.ids.data[this.ids.length - 1]) this.sortedById = false;
    this.ids.push(id);
    for (const r of refs) this.pool.push(r);
    this.starts.push(this.pool.length);
    this.tagSets.push(tags);
  }

  trim(): void { this.ids.trim(); this.starts.trim(); this.pool.trim(); }

  id(i: number): number { return this.ids.data[i]; }
  tags(i: number): Tags { return this.tagSets[i]; }
  refCount(i: number): number { return this.starts.data[i + 1] - this.starts.data[i]; }
  refs(i: number): number[] { return Array.from(this.pool.data.subarray(this.starts.data[i], this.starts.data[i + 1])); }

  indexOf(id: number): number {
    if (this.sortedById) return binarySearch(this.ids.data, this.ids.length, id);
    // A file not sorted by id: a Map, built once, on the first look-up.
    if (!this.byId) {
      this.byId = new Map();
      for (let i = 0; i < this.ids.length; i++) this.byId.set(this.ids.data[i], i);
    }
    return this.byId.get(id) ?? -1;
  }

  /** Every node id the ways refer to, sorted, each once. */
  sortedDistinctRefs(): Float64Array {
    const all = this.pool.data.slice(0, this.pool.length);
    all.sort();
    let n = 0;
    for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i];
    return all.slice(0, n); // a copy of the distinct part, so the full array can be collected
  }
}

function binarySearch(sorted: Float64Array, length: number, v: number): number {
  let lo = 0;
  let hi = length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = sorted[mid];
    if (x < v) lo = mid + 1;
    else if (x > v) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** Marks a referenced node not (yet) found in the file; no longitude or latitude × 1e7 reaches it. */
const MISSING = -2147483648;
const FIXED = 1e7;

/**
 * Coordinates beside a sorted id array (binary search); a small Map for kept nodes no kept way refers to.
 * Stored as Int32 × 1e-7 degrees (the PBF default granularity, what the parser divides by), 8 bytes a node
 * instead of 16. Every value is checked to decode to exactly the double the parser gave; the first that does
 * not (a file with another granularity or an offset) switches the store to Float64 for the rest, so the
 * coordinates are always the parser's own.
 */
class KeptNodeCoords implements NodeCoords {
  private lonI: Int32Array | null;
  private latI: Int32Array | null;
  private lonF: Float64Array | null = null;
  private latF: Float64Array | null = null;
  private readonly extra = new Map<number, [number, number]>();
  found = 0;

  constructor(private readonly ids: Float64Array) {
    this.lonI = new Int32Array(ids.length).fill(MISSING);
    this.latI = new Int32Array(ids.length);
  }

  private toFloat(): void {
    const n = this.ids.length;
    this.lonF = new Float64Array(n).fill(NaN);
    this.latF = new Float64Array(n);
    const lonI = this.lonI as Int32Array;
    const latI = this.latI as Int32Array;
    for (let i = 0; i < n; i++) {
      if (lonI[i] === MISSING) continue;
      this.lonF[i] = lonI[i] / FIXED;
      this.latF[i] = latI[i] / FIXED;
    }
    this.lonI = null;
    this.latI = null;
  }

  /** Records a referenced node's coordinates; false when no kept way refers to it. */
  set(id: number, lon: number, lat: number): boolean {
    const i = binarySearch(this.ids, this.ids.length, id);
    if (i < 0) return false;
    if (this.lonI && this.latI) {
      const x = Math.round(lon * FIXED);
      const y = Math.round(lat * FIXED);
      if (x / FIXED === lon && y / FIXED === lat && x !== MISSING) {
        if (this.lonI[i] === MISSING) this.found++;
        this.lonI[i] = x;
        this.latI[i] = y;
        return true;
      }
      this.toFloat();
    }
    const lonF = this.lonF as Float64Array;
    if (Number.isNaN(lonF[i])) this.found++;
    lonF[i] = lon;
    (this.latF as Float64Array)[i] = lat;
    return true;
  }

  setExtra(id: number, lon: number, lat: number): void {
    this.extra.set(id, [lon, lat]);
  }




  get(id: number): [number, number] | undefined {
    const i = binarySearch(this.ids, this.ids.length, id);
    if (i >= 0) {
      if (this.lonI && this.latI) return this.lonI[i] === MISSING ? undefined : [this.lonI[i] / FIXED, this.latI[i] / FIXED];
      const lonF = this.lonF as Float64Array;
      return Number.isNaN(lonF[i]) ? undefined : [lonF[i], (this.latF as Float64Array)[i]];
    }
    return this.extra.get(id);
  }
}
