// Reads from an OSM PBF file only what the import uses, in three streaming passes over the file, holding
// what it keeps on disk rather than in memory, so that memory does not grow with the file (issue 14 item 3:
// "a 200 MB PBF does not need 200 MB of heap"). Each pass inflates the file's blocks one at a time
// (osm-pbf-parser-node in raw mode) and decodes only the blocks of the type it wants; which type a block
// holds is read from the first bytes of each of its groups (peekBlockKinds), so a pass never builds objects
// for the blocks it skips.
//   1. relations: the header is checked, relations the selection wants are kept (building multipolygons with
//      their member way ids; POI relations with their tags only). This pass reads the whole file, so a
//      truncated or corrupt file fails here, before anything is written.
//   2. nodes: every node's coordinates go to a NodeStore (node-store.ts: a temporary file in id order with a
//      sparse index, ~12 bytes a node on disk and ~30 bytes per 1,024 nodes in memory); tags only of the
//      nodes the selection wants (POIs), and of the nodes it would want if a kept way referred to them
//      (barriers), until pass 3 says whether one does.
//   3. ways: the ways the selection wants and the member ways of the kept relations go to a WayStore
//      (way-store.ts: delta-coded refs in a temporary file, read back in file order); in memory only their
//      interned tag sets.
// All nodes are stored, not only those kept ways refer to: knowing those would take a set of every referred
// id in memory (what this reader held before), and in a real extract almost every node belongs to a way.
// A file sorted by type then id (osmium writes Sort.Type_then_ID in the header) lets passes 2 and 3 stop at
// the first block of a later type; passes 2 and 3 inflate only the blocks of their type (pass 1 noted each
// block's type). Every parser failure (truncated, corrupt, not PBF at all) becomes
// IMPORT_FAILED before any database work. The temporary files are removed by `OsmData.close()` (the import
// calls it when it ends, whether it succeeded or failed) and by readPbf itself when reading fails.
import { createReadStream } from 'node:fs';
import { inflateSync } from 'node:zlib';
import path from 'node:path';
import { OSMTransform, parse } from 'osm-pbf-parser-node';
import { AppError } from '../../../common/errors';
import { checkNonEmpty } from '../read-file';
import type { Tags } from './osm-tags';
import { NodeStore } from './node-store';
import { WayStore, type OsmWays } from './way-store';

export type { OsmWay, OsmWays } from './way-store';

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

/** lon/lat by node id. */
export interface NodeCoords {
  get(id: number): [number, number] | undefined;
}

export interface OsmReadStats {
  nodesRead: number;
  waysRead: number;
  relationsRead: number;
  waysKept: number;
  relationsKept: number;
  /** Node refs of the kept ways (with repeats). */
  refsKept: number;
  /** Nodes whose coordinates were stored (every node of the file). */
  nodeCoordsKept: number;
  /** Tagged nodes kept with their tags (POIs, barriers on kept ways). */
  nodeTagsKept: number;
  /** Bytes of the temporary files (nodes, ways). */
  tempBytes: number;
  /** Whether the header said the file is sorted, so passes 2 and 3 could stop early. */
  sorted: boolean;
}

export interface OsmData {
  coords: NodeCoords;
  /** Tags of the kept tagged nodes: the POIs in file order, then the barriers on kept ways. */
  nodeTags: Map<number, Tags>;
  /** Kept ways, in file order. */
  ways: OsmWays;
  /** Kept relations, in file order. */
  relations: OsmRelation[];
  stats: OsmReadStats;
  /** Removes the temporary files; the data cannot be read afterwards. */
  close(): Promise<void>;
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

export interface ReadPbfOptions {
  /** Folder for the temporary node and way files (default: the system's temporary folder). */
  tempDir?: string;
}

export async function readPbf(file: string, selection: OsmSelection, options: ReadPbfOptions = {}): Promise<OsmData> {
  // Size and existence first: a 0-byte file is "empty", not "corrupt". Only stat: reading the file whole
  // here (as this reader did until 2026-12-07) put the entire PBF in memory at the start of every import.
  await checkNonEmpty(file);
  const base = path.basename(file);
  const stats: OsmReadStats = {
    nodesRead: 0, waysRead: 0, relationsRead: 0, waysKept: 0, relationsKept: 0,
    refsKept: 0, nodeCoordsKept: 0, nodeTagsKept: 0, tempBytes: 0, sorted: false,
  };
  let nodes: NodeStore | null = null;
  let ways: WayStore | null = null;
  const close = async () => { await nodes?.close(); await ways?.close(); };
  try {
    // Pass 1: header and relations.
    let sawHeader = false;
    const relations: OsmRelation[] = [];
    const memberWays = new Set<number>();
    const blockKinds = new BlockKinds();
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
    }, false, blockKinds);
    if (!sawHeader) throw new AppError('IMPORT_FAILED', `${base} is not an OSM PBF file (no OSMHeader block). Nothing was imported`, 'file');
    stats.relationsKept = relations.length;

    // Pass 2: nodes. `onWayOnly`: tagged nodes kept only if a kept way refers to them (decided in pass 3).
    const interner = new TagInterner();
    const store = await NodeStore.create(options.tempDir);
    nodes = store;
    const nodeTags = new Map<number, Tags>();
    const onWayOnly = new Map<number, Tags>();
    await forEachBlock(file, selection.tagKeys, KIND_NODES, null, (item) => {
      if (item.type !== 'node' || item.id === undefined || item.lon === undefined || item.lat === undefined) return;
      stats.nodesRead++;
      store.add(item.id, item.lon, item.lat);
      if (!item.tags) return;
      if (selection.nodeTags(item.tags, false)) nodeTags.set(item.id, interner.tags(item.tags));
      else if (selection.nodeTags(item.tags, true)) onWayOnly.set(item.id, interner.tags(item.tags));
    }, stats.sorted, blockKinds);
    store.finish();
    stats.nodeCoordsKept = store.size;

    // Pass 3: ways.
    const kept = await WayStore.create(memberWays, options.tempDir);
    ways = kept;
    await forEachBlock(file, selection.tagKeys, KIND_WAYS, null, (item) => {
      if (item.type !== 'way' || item.id === undefined) return;
      stats.waysRead++;
      const refs = item.refs ?? [];
      const tags = item.tags ?? {};
      const closed = refs.length >= 4 && refs[0] === refs[refs.length - 1];
      if (!memberWays.has(item.id) && !selection.way(tags, closed)) return;
      kept.push(item.id, refs, interner.tags(tags));
      if (onWayOnly.size > 0) {
        for (const r of refs) {
          const t = onWayOnly.get(r);
          if (t) { nodeTags.set(r, t); onWayOnly.delete(r); }
        }
      }
    }, stats.sorted, blockKinds);
    kept.finish();
    stats.waysKept = kept.length;
    stats.refsKept = kept.refs;
    stats.nodeTagsKept = nodeTags.size;
    stats.tempBytes = store.bytesOnDisk + kept.bytesOnDisk;

    return { coords: store, nodeTags, ways: kept, relations, stats, close };
  } catch (err) {
    await close();
    if (err instanceof AppError) throw err;
    throw new AppError('IMPORT_FAILED', `${base} is not a readable OSM PBF file (truncated or corrupt): ${(err as Error).message}. Nothing was imported`, 'file');
  }
}

/**
 * Streams the file's blocks; decodes those holding `kind` and hands their items to `onItem`. With `stopAfter`
 * (a sorted file), stops at the first block holding only later kinds. `onHeader` sees the OSMHeader block.
 * `blockKinds` is the kinds of each data block in file order: the first pass fills it (it inflates every
 * block to peek), later passes read it and skip a block of other kinds without inflating it (the inflated
 * blocks are most of the garbage a pass makes, and a third of its time).
 * `parse(raw, blocks)` takes its tag filter from the transform's own options.
 */
async function forEachBlock(
  file: string,
  tagKeys: readonly string[] | undefined,
  kind: number,
  onHeader: ((header: ParsedItem) => void) | null,
  onItem: (item: ParsedItem) => void,
  stopAfter: boolean,
  blockKinds: BlockKinds,
): Promise<void> {
  const source = createReadStream(file);
  const keys = tagKeys ? [...tagKeys] : true;
  const blocks = new OSMTransform({ writeRaw: true, withTags: { node: keys, way: keys, relation: keys }, withInfo: false });
  source.on('error', (err) => blocks.destroy(err));
  source.pipe(blocks);
  const known = blockKinds.length > 0;
  let index = 0;
  try {
    for await (const chunk of blocks as AsyncIterable<Buffer | ParsedItem[]>) {
      if (!Buffer.isBuffer(chunk)) {
        // Raw mode still decodes the OSMHeader block: it arrives as a one-item array.
        if (onHeader) for (const header of chunk) onHeader(header);
        continue;
      }
      let kinds: number;
      let raw: Buffer | null = null;
      if (known) {
        if (index >= blockKinds.length) throw new Error('the file changed between passes (more blocks than before)');
        kinds = blockKinds.get(index);
      } else {
        raw = inflateSync(chunk);
        kinds = peekBlockKinds(raw);
        blockKinds.push(kinds);
      }
      index++;
      if (kinds & kind) {
        for (const item of parse(raw ?? inflateSync(chunk), blocks) as ParsedItem[]) onItem(item);
      } else if (stopAfter && kinds > kind) {
        break;
      }
    }
  } finally {
    source.destroy();
  }
}

/** One byte of KIND_* bits per data block, in file order. */
class BlockKinds {
  private data = new Uint8Array(1024);
  length = 0;
  push(kinds: number): void {
    if (this.length === this.data.length) {
      const next = new Uint8Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = kinds;
  }
  get(i: number): number { return this.data[i]; }
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
