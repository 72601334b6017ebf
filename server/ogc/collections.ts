// The collections served by OGC API - Features: the map's layers (server/layers/layer-features.ts), each
// with the same SELECT and the same property mapper as the map, so a desktop GIS sees exactly the fields
// the map shows (names, codes, register totals; no phones, ID numbers or residents' names). This file is
// the allow-list of everything that reaches SQL: table names, queryable columns, the time column and the
// grid-worker scope condition are literals written here, never taken from a request.
import {
  BUILDING_SOURCE,
  COMMUNITY_SOURCE,
  FACILITY_SOURCE,
  GRID_SOURCE,
  PARKING_SOURCE,
  VIOLATION_SOURCE,
  type LayerSource,
  type Row,
} from '../layers/layer-features';
import { LAYER_SCOPE } from '../layers/layer-scope';
import { FACILITY_TYPES, PARKING_KINDS, VIOLATION_KINDS, VIOLATION_STATUSES } from '../../common/domain';

/** JSON Schema type of an output property (GDAL reads these from the schema to type its fields). */
export type PropertyType = 'integer' | 'number' | 'string' | 'boolean' | 'date-time';

/** A property that may be used as an equality filter on /items (`?gridId=3`). */
export interface Queryable {
  /** column of the table and of the source (alias t) */
  readonly column: string;
  readonly type: 'integer' | 'string';
  readonly enum?: readonly string[];
}

export interface OgcCollection {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** The base table: counts and extents read it directly (filters use only its own columns). */
  readonly table: string;
  readonly source: LayerSource<object>;
  readonly geometryType: 'MultiPolygon' | 'Polygon' | 'Point';
  /** Output properties in order, with their types (must match what toProps answers). */
  readonly properties: Readonly<Record<string, PropertyType>>;
  readonly queryables: Readonly<Record<string, Queryable>>;
  /** The feature's instant, for `datetime` and the temporal extent; absent for timeless collections. */
  readonly time?: { readonly column: string; readonly property: string };
  /**
   * What a grid worker may see, as a condition on alias t with the worker's grid id as `$n`
   * (server/layers/layer-scope.ts, shared with the map's layers and tiles).
   */
  readonly workerScope: (gridParam: string) => string;
  /** Properties of one row: the map's mapper, plus the time where the collection has one. */
  readonly toProps: (r: Row) => Record<string, unknown>;
}

const UNIT_COUNTS = { households: 'integer', residents: 'integer', partyMembers: 'integer' } as const;
const iso = (v: unknown): string | null => (v == null ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());

const LIST: readonly OgcCollection[] = [
  {
    id: 'communities',
    title: '社区 Communities',
    description: 'Community boundaries (社区) with register totals summed from their buildings',
    table: 'communities',
    source: COMMUNITY_SOURCE,
    geometryType: 'MultiPolygon',
    properties: { id: 'integer', code: 'string', name: 'string', nameEn: 'string', nameIsSample: 'boolean', ...UNIT_COUNTS, grids: 'integer', buildings: 'integer', labelLon: 'number', labelLat: 'number' },
    queryables: { code: { column: 'code', type: 'string' }, name: { column: 'name', type: 'string' } },
    workerScope: LAYER_SCOPE.communities,
    toProps: (r) => ({ ...COMMUNITY_SOURCE.toProps(r) }),
  },
  {
    id: 'grids',
    title: '网格 Grids',
    description: 'Grids (网格) with register totals summed from their buildings',
    table: 'grids',
    source: GRID_SOURCE,
    geometryType: 'MultiPolygon',
    properties: { id: 'integer', code: 'string', name: 'string', communityId: 'integer', ...UNIT_COUNTS, buildings: 'integer', labelLon: 'number', labelLat: 'number' },
    queryables: { code: { column: 'code', type: 'string' }, name: { column: 'name', type: 'string' }, communityId: { column: 'community_id', type: 'integer' } },
    workerScope: LAYER_SCOPE.grids,
    toProps: (r) => ({ ...GRID_SOURCE.toProps(r) }),
  },
  {
    id: 'buildings',
    title: '楼栋 Buildings',
    description: 'Buildings (楼栋) with use, floors and register totals',
    table: 'buildings',
    source: BUILDING_SOURCE,
    geometryType: 'Polygon',
    properties: { id: 'integer', code: 'string', name: 'string', use: 'string', floors: 'integer', communityId: 'integer', gridId: 'integer', ...UNIT_COUNTS },
    queryables: {
      code: { column: 'code', type: 'string' },
      use: { column: 'use', type: 'string', enum: ['residential', 'mixed', 'office', 'public', 'commercial', 'school', 'industrial', 'other'] },
      floors: { column: 'floors', type: 'integer' },
      communityId: { column: 'community_id', type: 'integer' },
      gridId: { column: 'grid_id', type: 'integer' },
    },
    workerScope: LAYER_SCOPE.buildings,
    toProps: (r) => ({ ...BUILDING_SOURCE.toProps(r) }),
  },
  {
    id: 'facilities',
    title: '服务设施 Facilities',
    description: 'Service facilities (党群服务中心, community centres, clinics, schools, markets …)',
    table: 'facilities',
    source: FACILITY_SOURCE,
    geometryType: 'Point',
    properties: { id: 'integer', code: 'string', type: 'string', name: 'string', communityId: 'integer' },
    queryables: {
      code: { column: 'code', type: 'string' },
      type: { column: 'type', type: 'string', enum: FACILITY_TYPES },
      communityId: { column: 'community_id', type: 'integer' },
    },
    workerScope: LAYER_SCOPE.facilities,
    toProps: (r) => ({ ...FACILITY_SOURCE.toProps(r) }),
  },
  {
    id: 'parking_lots',
    title: '停车资源 Parking lots',
    description: 'Parking resources with capacity and current occupancy',
    table: 'parking_lots',
    source: PARKING_SOURCE,
    geometryType: 'Point',
    properties: { id: 'integer', code: 'string', name: 'string', kind: 'string', communityId: 'integer', capacity: 'integer', occupied: 'integer', free: 'integer', version: 'integer' },
    queryables: {
      code: { column: 'code', type: 'string' },
      kind: { column: 'kind', type: 'string', enum: PARKING_KINDS },
      communityId: { column: 'community_id', type: 'integer' },
    },
    workerScope: LAYER_SCOPE.parking_lots,
    toProps: (r) => ({ ...PARKING_SOURCE.toProps(r) }),
  },
  {
    id: 'violations',
    title: '双违及巡查点 Violation points',
    description: 'Violation points (双违) and 创文/创卫 inspection points with their status; time = when found',
    table: 'violations',
    source: VIOLATION_SOURCE,
    geometryType: 'Point',
    properties: { id: 'integer', code: 'string', kind: 'string', status: 'string', communityId: 'integer', gridId: 'integer', version: 'integer', foundAt: 'date-time' },
    queryables: {
      code: { column: 'code', type: 'string' },
      kind: { column: 'kind', type: 'string', enum: VIOLATION_KINDS },
      status: { column: 'status', type: 'string', enum: VIOLATION_STATUSES },
      communityId: { column: 'community_id', type: 'integer' },
      gridId: { column: 'grid_id', type: 'integer' },
    },
    time: { column: 'found_at', property: 'foundAt' },
    workerScope: LAYER_SCOPE.violations,
    toProps: (r) => ({ ...VIOLATION_SOURCE.toProps(r), foundAt: iso(r.found_at) }),
  },
];

export const OGC_COLLECTIONS: ReadonlyMap<string, OgcCollection> = new Map(LIST.map((c) => [c.id, c]));
export const OGC_COLLECTION_IDS: readonly string[] = LIST.map((c) => c.id);
