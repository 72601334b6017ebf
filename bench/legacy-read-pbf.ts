// The PBF reader as it was before issue 14 item 3, kept ONLY as the baseline of bench/read-pbf-memory.ts and
// tests/import/read-pbf-memory.test.ts: one pass that holds every node's coordinates in a Map of [lon, lat]
// arrays, every tagged node's tags, and every way and relation of the file. The import uses
// server/import/osm/read-pbf.ts.
import { createOSMStream } from 'osm-pbf-parser-node';
import path from 'node:path';
import { AppError } from '../common/errors';
import { readNonEmpty } from '../server/import/read-file';
import type { Tags } from '../server/import/osm/osm-tags';

interface OsmWay {
  id: number;
  refs: number[];
  tags: Tags;
}

interface OsmRelation {
  id: number;
  members: { type: 'node' | 'way' | 'relation'; ref: number; role: string }[];
  tags: Tags;
}

export interface LegacyOsmData {
  /** lon/lat of every node. */
  coords: Map<number, [number, number]>;
  /** Tags of nodes that have any. */
  nodeTags: Map<number, Tags>;
  ways: OsmWay[];
  relations: OsmRelation[];
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
}

export async function readPbfWhole(file: string): Promise<LegacyOsmData> {
  // Size and existence first: a 0-byte file is "empty", not "corrupt".
  await readNonEmpty(file);
  const data: LegacyOsmData = { coords: new Map(), nodeTags: new Map(), ways: [], relations: [] };
  let sawHeader = false;
  try {
    for await (const raw of createOSMStream(file, { withTags: true, withInfo: false })) {
      const item = raw as ParsedItem;
      if (item.type === 'node' && item.id !== undefined && item.lon !== undefined && item.lat !== undefined) {
        data.coords.set(item.id, [item.lon, item.lat]);
        if (item.tags && Object.keys(item.tags).length > 0) data.nodeTags.set(item.id, item.tags);
      } else if (item.type === 'way' && item.id !== undefined) {
        data.ways.push({ id: item.id, refs: item.refs ?? [], tags: item.tags ?? {} });
      } else if (item.type === 'relation' && item.id !== undefined) {
        data.relations.push({ id: item.id, members: item.members ?? [], tags: item.tags ?? {} });
      } else if (item.required_features) {
        sawHeader = true;
        const unsupported = item.required_features.filter((f) => !['OsmSchema-V0.6', 'DenseNodes', 'HistoricalInformation'].includes(f));
        if (unsupported.length > 0) throw new AppError('IMPORT_FAILED', `${path.basename(file)} needs PBF features this reader does not have: ${unsupported.join(', ')}`, 'file');
      }
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('IMPORT_FAILED', `${path.basename(file)} is not a readable OSM PBF file (truncated or corrupt): ${(err as Error).message}. Nothing was imported`, 'file');
  }
  if (!sawHeader) throw new AppError('IMPORT_FAILED', `${path.basename(file)} is not an OSM PBF file (no OSMHeader block). Nothing was imported`, 'file');
  return data;
}
