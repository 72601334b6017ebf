// Offline basemap endpoints: the style, the features it draws (GeoJSON from basemap_features) and label
// anchors for named roads (drawn by deck.gl's TextLayer with a local CJK font, so no glyph server).
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/db';
import { requireRole } from '../auth/identity';
import { parseOrThrow } from '../http/validate';
import { basemapStyle } from './basemap-style';
import { MAP_ROLES } from '../layers/layer-routes';
import { TILE_LAYERS } from '../tiles/tile-layers';

const StyleQuerySchema = z
  .object({
    theme: z.enum(['dark', 'light'], { message: 'theme must be dark or light' }).optional(),
    // tiled=1: the basemap comes from /api/tiles/basemap (large data; the client decides from /api/layers/extent)
    tiled: z.enum(['0', '1'], { message: 'tiled must be 0 or 1' }).optional(),
  })
  .strict();
const NoQuerySchema = z.object({}).strict();

export interface RoadLabel {
  name: string;
  kind: string;
  lon: number;
  lat: number;
  /** Degrees counter-clockwise from east, kept within ±90 so text never reads upside down. */
  angle: number;
}

export function basemapRoutes(deps: { db: Db }): Router {
  const { db } = deps;
  const r = Router();
  const auth = requireRole(...MAP_ROLES);

  r.get('/api/basemap/style.json', auth, (req, res) => {
    const q = parseOrThrow(StyleQuerySchema, req.query, 'query');
    // Absolute same-origin URL: MapLibre fetches source data relative to nothing else.
    const origin = `${req.protocol}://${req.get('host')}`;
    res.set('Cache-Control', 'private, max-age=300');
    const basemapTiles = TILE_LAYERS.basemap;
    const vector = q.tiled === '1' ? { tiles: `${origin}/api/tiles/basemap/{z}/{x}/{y}.mvt`, minzoom: basemapTiles.minzoom, maxzoom: 16 } : undefined;
    res.json(basemapStyle(q.theme ?? 'dark', `${origin}/api/basemap/features.geojson`, vector));
  });

  r.get('/api/basemap/features.geojson', auth, async (req, res) => {
    parseOrThrow(NoQuerySchema, req.query, 'query');
    // One FeatureCollection built in SQL: the street's basemap is small (thousands of lines).
    const { rows } = await db.query<{ fc: unknown }>(
      `SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
                'type', 'Feature', 'id', id,
                'geometry', ST_AsGeoJSON(geom, 6)::json,
                'properties', json_build_object('kind', kind, 'name', name)) ORDER BY id), '[]'::json)) AS fc
         FROM basemap_features`,
    );
    res.set('Cache-Control', 'private, max-age=300');
    res.type('application/geo+json').send(typeof rows[0].fc === 'string' ? rows[0].fc : JSON.stringify(rows[0].fc));
  });

  r.get('/api/basemap/labels', auth, async (req, res) => {
    parseOrThrow(NoQuerySchema, req.query, 'query');
    // One anchor per road name: the middle of its longest piece, with the local direction of the road.
    const { rows } = await db.query<{ name: string; kind: string; lon: number; lat: number; az: number | null }>(
      `WITH segs AS (
         SELECT name, kind, (ST_Dump(geom)).geom AS g
           FROM basemap_features
          WHERE name IS NOT NULL AND name <> '' AND kind IN ('road_major', 'road_minor')
            AND GeometryType(geom) IN ('LINESTRING', 'MULTILINESTRING')),
       parts AS (
         SELECT name, kind, (ST_Dump(ST_LineMerge(ST_Collect(g)))).geom AS g FROM segs GROUP BY name, kind),
       longest AS (
         SELECT DISTINCT ON (name) name, kind, g FROM parts ORDER BY name, ST_Length(g) DESC)
       SELECT name, kind, ST_X(ST_LineInterpolatePoint(g, 0.5)) AS lon, ST_Y(ST_LineInterpolatePoint(g, 0.5)) AS lat,
              ST_Azimuth(ST_LineInterpolatePoint(g, 0.45), ST_LineInterpolatePoint(g, 0.55)) AS az
         FROM longest ORDER BY kind, name`,
    );
    const labels: RoadLabel[] = rows.map((r) => {
      // azimuth is clockwise from north (radians); TextLayer angle is counter-clockwise from east (degrees)
      let angle = r.az == null ? 0 : 90 - (Number(r.az) * 180) / Math.PI;
      while (angle > 90) angle -= 180;
      while (angle < -90) angle += 180;
      return { name: r.name, kind: r.kind, lon: Number(r.lon), lat: Number(r.lat), angle };
    });
    res.set('Cache-Control', 'private, max-age=300');
    res.json({ labels });
  });
  return r;
}
