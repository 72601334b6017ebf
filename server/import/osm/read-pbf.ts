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

export interface OsmWay {
  id: number;
  refs: number[];
  tags: Tags;
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
  ways: OsmWay[];
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
    const ways: OsmWay[] = [];
    let refCount = 0;
    await forEachBlock(file, selection.tagKeys, KIND_WAYS, null, (item) => {
      if (item.type !== 'way' || item.id === undefined) return;
      stats.waysRead++;
      const refs = item.refs ?? [];
      const tags = item.tags ?? {};
      const closed = refs.length >= 4 && refs[0] === refs[refs.length - 1];
      if (!memberWays.has(item.id) && !selection.way(tags, closed)) return;
      ways.push({ id: item.id, refs, tags });
      refCount += refs.length;
    }, stats.sorted);
    stats.waysKept = ways.length;
    memberWays.clear();
    const ids = sortedDistinct(ways, refCount);
    stats.nodesReferenced = ids.length;

    // Pass 3: nodes.
    const coords = new KeptNodeCoords(ids);
    const nodeTags = new Map<number, Tags>();
    await forEachBlock(file, selection.tagKeys, KIND_NODES, null, (item) => {
      if (item.type !== 'node' || item.id === undefined || item.lon === undefined || item.lat === undefined) return;
      stats.nodesRead++;
      const referenced = coords.set(item.id, item.lon, item.lat);
      if (item.tags && selection.nodeTags(item.tags, referenced)) {
        nodeTags.set(item.id, item.tags);
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

/** Every node id the ways refer to, sorted, each once. */
function sortedDistinct(ways: readonly OsmWay[], refCount: number): Float64Array {
  const all = new Float64Array(refCount);
  let k = 0;
  for (const w of ways) for (const r of w.refs) all[k++] = r;
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i];
  return all.slice(0, n); // a copy of the distinct part, so the full array can be collected
}

/** Coordinates beside a sorted id array (binary search); a small Map for kept nodes no kept way refers to. */
class KeptNodeCoords implements NodeCoords {
  private readonly lon: Float64Array;
  private readonly lat: Float64Array;
  private readonly extra = new Map<number, [number, number]>();
  found = 0;

  constructor(private readonly ids: Float64Array) {
    this.lon = new Float64Array(ids.length).fill(NaN);
    this.lat = new Float64Array(ids.length);
  }

  private indexOf(id: number): number {
    const ids = this.ids;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid];
      if (v < id) lo = mid + 1;
      else if (v > id) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /** Records a referenced node's coordinates; false when no kept way refers to it. */
  set(id: number, lon: number, lat: number): boolean {
    const i = this.indexOf(id);
    if (i < 0) return false;
    if (Number.isNaN(this.lon[i])) this.found++;
    this.lon[i] = lon;
    this.lat[i] = lat;
    return true;
  }

  setExtra(id: number, lon: number, lat: number): void {
    this.extra.set(id, [lon, lat]);
  }

  get(id: number): [number, number] | undefined {
    const i = this.indexOf(id);
    if (i >= 0) return Number.isNaN(this.lon[i]) ? undefined : [this.lon[i], this.lat[i]];
    return this.extra.get(id);
  }
}
