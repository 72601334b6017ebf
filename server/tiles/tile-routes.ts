// GET /api/tiles/:layer/:z/:x/:y.mvt — vector tiles for the large polygon layers and the basemap;
// GET /api/tiles/:layer.json — TileJSON 3.0 so a MapLibre style or deck.gl MVTLayer can find them.
import { Router } from 'express';
import { AppError } from '../../common/errors';
import { requireRole } from '../auth/identity';
import { TILE_LAYERS, isTileLayer } from './tile-layers';
import { parseTileAddress } from './tile-coords';
import type { TileService } from './tile-service';

const MAP_ROLES = ['wall', 'dispatcher', 'planner', 'leader', 'admin', 'worker'] as const;

function layerOrThrow(name: string): string {
  if (!isTileLayer(name)) {
    throw new AppError('NOT_FOUND', `no tile layer "${name}"; layers: ${Object.keys(TILE_LAYERS).join(', ')}`, 'params.layer');
  }
  return name;
}

export function tileRoutes(tiles: TileService): Router {
  const r = Router();
  r.get('/api/tiles/:layer.json', requireRole(...MAP_ROLES), (req, res) => {
    const def = TILE_LAYERS[layerOrThrow(String(req.params.layer))];
    res.json({
      tilejson: '3.0.0',
      name: def.name,
      tiles: [`/api/tiles/${def.name}/{z}/{x}/{y}.mvt`],
      minzoom: def.minzoom,
      maxzoom: def.maxzoom,
      vector_layers: [{ id: def.name, fields: Object.fromEntries(Object.keys(def.properties).map((k) => [k, 'String'])) }],
    });
  });
  r.get('/api/tiles/:layer/:z/:x/:y.mvt', requireRole(...MAP_ROLES), async (req, res) => {
    const layer = layerOrThrow(String(req.params.layer));
    const addr = parseTileAddress({ z: req.params.z, x: req.params.x, y: req.params.y });
    const { bytes, cached } = await tiles.getTile(layer, addr);
    res.setHeader('Content-Type', 'application/vnd.mapbox-vector-tile');
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.setHeader('X-Tile-Cache', cached ? 'hit' : 'miss');
    res.status(bytes.byteLength ? 200 : 204).end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
  return r;
}
