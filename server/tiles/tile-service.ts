// Vector tiles from PostGIS. On a server database ST_AsMVT builds the tile in one statement; on the
// embedded database (no protobuf-c) the same clipping and pixel mapping run in SQL and vt-pbf encodes.
// Tiles are cached per layer until the layer's data changes (invalidate()) or the entry ages out.
import { LRUCache } from 'lru-cache';
import type { ScopePolicy } from '../auth/scope';
import { LAYER_SCOPE } from '../layers/layer-scope';
import { prepared, type Db } from '../db/db';
import { TILE_LAYERS, type TileLayerDef } from './tile-layers';
import { TILE_BUFFER, TILE_EXTENT, tileBounds3857, type TileAddress } from './tile-coords';
import { encodeTile, toTileFeatures, type TileFeature } from './mvt-encoder';

export interface TileServiceOptions {
  /** Bytes of tiles kept in memory. */
  cacheBytes?: number;
  /** Force the JS encoder even where ST_AsMVT exists (benchmarks and the equivalence test). */
  forceEncoder?: boolean;
}

export interface TileService {
  /** The tile's bytes (possibly empty: a valid MVT with no features) and whether it came from the cache. */
  getTile(layer: string, addr: TileAddress, scope: ScopePolicy): Promise<{ bytes: Uint8Array; cached: boolean }>;
  /** Forget cached tiles of a layer (after an import or an edit), or of all layers. */
  invalidate(layer?: string): void;
}

const EMPTY = new Uint8Array(0);

function propertySelect(def: TileLayerDef): string {
  return Object.entries(def.properties)
    .map(([name, expr]) => `${expr} AS "${name}"`)
    .join(', ');
}

/** ST_AsMVT path: the whole tile in one statement. */
function mvtSql(def: TileLayerDef, scopeSql: string): string {
  return `
    WITH env AS (SELECT ST_TileEnvelope($1, $2, $3) AS e),
    feats AS (
      SELECT t.id, ${propertySelect(def)},
             ST_AsMVTGeom(ST_Transform(t.geom, 3857), env.e, ${TILE_EXTENT}, ${TILE_BUFFER}, true) AS geom
        FROM ${def.table} t, env
       WHERE t.geom && ST_Transform(ST_Expand(env.e, $4), 4326) AND ${scopeSql}
    )
    SELECT ST_AsMVT(feats.*, '${def.name}', ${TILE_EXTENT}, 'geom', 'id') AS tile FROM feats WHERE geom IS NOT NULL`;
}

/**
 * Encoder path: the same work as ST_AsMVTGeom — clip to the buffered tile, affine-map metres to tile
 * pixels (y down), snap to whole pixels, drop what collapsed. Exterior rings are made clockwise in y-up
 * metres; the y flip turns that into a positive surveyor's-formula area in tile space, which is what the
 * MVT 2.1 spec (§4.3.4.4) calls an exterior ring.
 */
function encoderSql(def: TileLayerDef, scopeSql: string): string {
  return `
    WITH env AS (SELECT ST_TileEnvelope($1, $2, $3) AS e),
    clipped AS (
      SELECT t.id, ${propertySelect(def)},
             ST_ClipByBox2D(ST_Transform(t.geom, 3857), ST_Expand(env.e, $4)) AS g, env.e
        FROM ${def.table} t, env
       WHERE t.geom && ST_Transform(ST_Expand(env.e, $4), 4326) AND ${scopeSql}
    ),
    pixels AS (
      SELECT c.*, ST_SnapToGrid(ST_Affine(ST_ForcePolygonCW(g),
               ${TILE_EXTENT} / (ST_XMax(e) - ST_XMin(e)), 0, 0, -${TILE_EXTENT} / (ST_YMax(e) - ST_YMin(e)),
               -ST_XMin(e) * ${TILE_EXTENT} / (ST_XMax(e) - ST_XMin(e)), ST_YMax(e) * ${TILE_EXTENT} / (ST_YMax(e) - ST_YMin(e))), 1) AS px
        FROM clipped c WHERE NOT ST_IsEmpty(g)
    )
    SELECT p.*, ST_AsGeoJSON(p.px) AS geojson FROM pixels p
     WHERE NOT ST_IsEmpty(p.px) AND (ST_Dimension(p.px) < 2 OR ST_Area(p.px) > 0)`;
}

/**
 * The statement that renders a tile of `layer` for `scope` (params: z, x, y, buffer in metres, then the
 * scope's own); benchmarks time it bare with the street's scope.
 */
export function tileSql(layer: string, encoder: boolean, scope: ScopePolicy): { sql: string; params: unknown[] } {
  const def = TILE_LAYERS[layer];
  const params: unknown[] = [];
  const scopeSql = scope.where(LAYER_SCOPE[def.scope], (v) => `$${4 + params.push(v)}`);
  return { sql: encoder ? encoderSql(def, scopeSql) : mvtSql(def, scopeSql), params };
}

/** Buffer around a tile in EPSG:3857 metres, the fourth parameter of tileSql(). */
export function tileBufferMetres(addr: TileAddress): number {
  const [xmin, , xmax] = tileBounds3857(addr);
  return ((xmax - xmin) * TILE_BUFFER) / TILE_EXTENT;
}

/** A row of the encoder SQL: the feature id, its attributes by property name, its pixel geometry as GeoJSON. */
export type EncoderRow = Record<string, unknown> & { id: number; geojson: string };

/** The encoder path's JS half: rows of encoderSql() → one MVT layer (empty bytes when no feature is left). */
export function tileRowsToMvt(layer: string, rows: readonly EncoderRow[]): Uint8Array {
  const def = TILE_LAYERS[layer];
  const features: TileFeature[] = [];
  for (const r of rows) {
    const tags: TileFeature['tags'] = {};
    for (const key of Object.keys(def.properties)) {
      const v = r[key];
      if (v !== null && v !== undefined) tags[key] = typeof v === 'object' ? String(v) : (v as string | number | boolean);
    }
    features.push(...toTileFeatures(JSON.parse(r.geojson), Number(r.id), tags));
  }
  return features.length ? encodeTile({ [def.name]: features }, TILE_EXTENT) : EMPTY;
}

export function createTileService(db: Db, options: TileServiceOptions = {}): TileService {
  const cache = new LRUCache<string, Uint8Array>({
    maxSize: options.cacheBytes ?? 64 * 2 ** 20,
    sizeCalculation: (v) => Math.max(1, v.byteLength),
    ttl: 10 * 60_000,
  });
  const generations = new Map<string, number>();
  const useEncoder = options.forceEncoder || !db.capabilities.mvt;

  async function render(def: TileLayerDef, addr: TileAddress, scope: ScopePolicy): Promise<Uint8Array> {
    if (addr.z < def.minzoom || addr.z > def.maxzoom) return EMPTY;
    const stmt = tileSql(def.name, useEncoder, scope);
    const params = [addr.z, addr.x, addr.y, tileBufferMetres(addr), ...stmt.params];
    if (!useEncoder) {
      // Prepared per connection: planning was about a third of a small tile's SQL time (issue 15 item 3).
      // The scope adds placeholders, never values, so there are at most two texts per layer.
      const res = await db.query<{ tile: Uint8Array | null }>(prepared(stmt.sql), params);
      return res.rows[0]?.tile ?? EMPTY;
    }
    const res = await db.query<EncoderRow>(stmt.sql, params);
    return tileRowsToMvt(def.name, res.rows);
  }

  return {
    async getTile(layer, addr, scope) {
      const def = TILE_LAYERS[layer];
      // Cached per scope: a worker's tile holds their grid only and must never answer a street role (or
      // another grid), nor the other way round.
      const key = `${layer}:${generations.get(layer) ?? 0}:${scope.key}:${addr.z}/${addr.x}/${addr.y}`;
      const hit = cache.get(key);
      if (hit) return { bytes: hit, cached: true };
      const bytes = await render(def, addr, scope);
      cache.set(key, bytes);
      return { bytes, cached: false };
    },
    invalidate(layer) {
      const layers = layer ? [layer] : Object.keys(TILE_LAYERS);
      for (const l of layers) generations.set(l, (generations.get(l) ?? 0) + 1);
    },
  };
}
