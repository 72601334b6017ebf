// GET /api/tiles/:layer/:z/:x/:y.mvt — vector tiles for the large polygon layers and the basemap;
// GET /api/tiles/:layer.json — TileJSON 3.0 so a MapLibre style or deck.gl MVTLayer can find them.
import { Router } from 'express';
import { AppError } from '../../common/errors';
import { requireRole } from '../auth/identity';
import { scopeOf } from '../auth/scope';
import { TILE_LAYERS, isTileLayer } from './tile-layers';
import { parseTileAddress } from './tile-coords';
import type { TileService } from './tile-service';
import type { Queryable } from '../db/db';
import { scopedExtent } from '../layers/layer-extent';

const MAP_ROLES = ['wall', 'dispatcher', 'planner', 'leader', 'admin', 'worker'] as const;

function layerOrThrow(name: string): string {
  if (!isTileLayer(name)) {
    throw new AppError('NOT_FOUND', `no tile layer "${name}"; layers: ${Object.keys(TILE_LAYERS).join(', ')}`, 'params.layer');
  }
  return name;
}

export interface TileRouteDeps {
  db: Queryable;
  /** Origin browsers and other clients use (behind a proxy); else the request's protocol and Host. */
  publicOrigin?: string;
}

export function tileRoutes(tiles: TileService, deps?: TileRouteDeps): Router {
  const r = Router();
  r.get('/api/tiles/:layer.json', requireRole(...MAP_ROLES), async (req, res) => {
    const def = TILE_LAYERS[layerOrThrow(String(req.params.layer))];
    const base = deps?.publicOrigin ? deps.publicOrigin.replace(/\/+$/, '') : `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    let bounds: [number, number, number, number] = [-180, -85.0511, 180, 85.0511];
    let attribution: string | undefined;
    if (deps) {
      // Bounds of the layer's data the caller reads (TileJSON: WGS84 [w, s, e, n]; a worker: their grid's part,
      // by the layer's rule as for the tiles themselves); the whole world when that part is empty.
      const ext = await scopedExtent(deps.db, def.table, def.scope, scopeOf(req));
      if (ext.bbox) bounds = ext.bbox;
      // ODbL: data from OpenStreetMap is attributed wherever it is shown.
      const osm = await deps.db.query(`SELECT 1 FROM dataset_layers WHERE starts_with(source, 'osm:') LIMIT 1`);
      if (osm.rowCount > 0) attribution = '© OpenStreetMap contributors';
    }
    const zoom = Math.max(def.minzoom, Math.min(def.maxzoom, 15));
    res.json({
      tilejson: '3.0.0',
      name: def.name,
      description: def.description,
      scheme: 'xyz',
      tiles: [`${base}/api/tiles/${def.name}/{z}/{x}/{y}.mvt`],
      minzoom: def.minzoom,
      maxzoom: def.maxzoom,
      bounds,
      center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, zoom],
      ...(attribution ? { attribution } : {}),
      vector_layers: [{ id: def.name, description: def.description, minzoom: def.minzoom, maxzoom: def.maxzoom, fields: { ...def.types } }],
    });
  });
  r.get('/api/tiles/:layer/:z/:x/:y.mvt', requireRole(...MAP_ROLES), async (req, res) => {
    const layer = layerOrThrow(String(req.params.layer));
    const addr = parseTileAddress({ z: req.params.z, x: req.params.x, y: req.params.y });
    const { bytes, cached } = await tiles.getTile(layer, addr, scopeOf(req));
    res.setHeader('Content-Type', 'application/vnd.mapbox-vector-tile');
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.setHeader('X-Tile-Cache', cached ? 'hit' : 'miss');
    res.status(bytes.byteLength ? 200 : 204).end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
  return r;
}
