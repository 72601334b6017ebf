// The public, minimal map of the report page: a resident has no account, so the desk's basemap routes
// (behind a session) are not theirs. These serve only the street's public geography — roads, water, green
// space (the same offline basemap, no outside host) and the outline and names of its communities, so a
// resident sees where the street ends. No grids, buildings, people, facilities or incidents.
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/db';
import { publicRoute } from '../auth/route-policy';
import { parseOrThrow } from '../http/validate';
import { basemapStyle } from '../basemap/basemap-style';

const NoQuerySchema = z.object({}).strict();
/** The kinds the basemap style draws; anything else an import might add stays private. */
const PUBLIC_BASEMAP_KINDS = ['landuse', 'green', 'water', 'path', 'rail', 'road_minor', 'road_major'];
const PUBLIC_CACHE = 'public, max-age=300';

export function publicMapRoutes(deps: { db: Db }): Router {
  const { db } = deps;
  const r = Router();

  r.get('/api/public/basemap/style.json', publicRoute('offline basemap style of the public report page'), (req, res) => {
    parseOrThrow(NoQuerySchema, req.query, 'query');
    const origin = `${req.protocol}://${req.get('host')}`;
    res.set('Cache-Control', PUBLIC_CACHE);
    res.json(basemapStyle('light', `${origin}/api/public/basemap/features.geojson`));
  });

  r.get('/api/public/basemap/features.geojson', publicRoute('roads, water and green space of the street (public geography)'), async (req, res) => {
    parseOrThrow(NoQuerySchema, req.query, 'query');
    const { rows } = await db.query<{ fc: unknown }>(
      `SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
                'type', 'Feature', 'id', id,
                'geometry', ST_AsGeoJSON(geom, 6)::json,
                'properties', json_build_object('kind', kind, 'name', name)) ORDER BY id), '[]'::json)) AS fc
         FROM basemap_features WHERE kind = ANY($1::text[])`,
      [PUBLIC_BASEMAP_KINDS],
    );
    res.set('Cache-Control', PUBLIC_CACHE);
    res.type('application/geo+json').send(typeof rows[0].fc === 'string' ? rows[0].fc : JSON.stringify(rows[0].fc));
  });

  r.get('/api/public/area.geojson', publicRoute('outline and names of the street and its communities (public geography)'), async (req, res) => {
    parseOrThrow(NoQuerySchema, req.query, 'query');
    // Simplified to ~5 m: enough to pick a spot on a phone, and a small download.
    const { rows } = await db.query<{ fc: unknown; bbox: string | null }>(
      `SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
                'type', 'Feature', 'id', id,
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.00005), 6)::json,
                'properties', json_build_object('name', name, 'level', 'community')) ORDER BY id), '[]'::json)) AS fc,
              (SELECT ST_AsGeoJSON(ST_Extent(geom)::geometry, 6) FROM communities) AS bbox
         FROM communities`,
    );
    const fc = (typeof rows[0].fc === 'string' ? JSON.parse(rows[0].fc) : rows[0].fc) as Record<string, unknown>;
    const extent = rows[0].bbox ? (JSON.parse(rows[0].bbox) as { coordinates: number[][][] }).coordinates[0] : null;
    const bbox = extent ? [Math.min(...extent.map((p) => p[0])), Math.min(...extent.map((p) => p[1])), Math.max(...extent.map((p) => p[0])), Math.max(...extent.map((p) => p[1]))] : null;
    res.set('Cache-Control', PUBLIC_CACHE);
    res.type('application/geo+json').send(JSON.stringify({ ...fc, bbox }));
  });
  return r;
}
