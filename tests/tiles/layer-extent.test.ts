// GET /api/layers/extent tells the client how large the data is (counts, bbox, tiled), and
// /api/basemap/style.json?tiled=1 draws the same basemap from our vector tiles: both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { layerExtent, TILED_BUILDINGS_THRESHOLD } from '../../server/layers/layer-extent';
import { STREET_SCOPE } from '../../server/auth/scope';

interface StyleJson {
  glyphs?: string;
  sprite?: string;
  sources: Record<string, { type: string; tiles?: string[]; data?: string }>;
  layers: Array<{ id: string; source?: string; 'source-layer'?: string }>;
}

describe.each(backends())('layer extent and tiled basemap style on %s', (backend) => {
  let t: TestDb;
  let app: TestApp;
  let s: Session;

  beforeAll(async () => {
    t = await freshDb(backend, 'sample');
    app = await startTestApp(t.db);
    s = await loginAs(app.baseUrl, t.db, 'dispatcher');
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  const get = (p: string, cookie = s.cookie) => fetch(`${app.baseUrl}${p}`, { headers: cookie ? { cookie } : {} });
  const n = async (table: string) => Number((await t.db.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  it('answers the counts and the bbox of the data; the street stays on GeoJSON', async () => {
    const res = await get('/api/layers/extent');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { bbox: [number, number, number, number]; counts: Record<string, number>; tiled: boolean; threshold: number };
    expect(body.counts).toEqual({ communities: await n('communities'), grids: await n('grids'), buildings: await n('buildings') });
    expect(body.counts.buildings).toBeGreaterThan(0);
    expect(body.threshold).toBe(TILED_BUILDINGS_THRESHOLD);
    expect(body.tiled).toBe(body.counts.buildings > TILED_BUILDINGS_THRESHOLD);
    // every building lies inside the answered box
    const outside = await t.db.query<{ n: unknown }>(
      'SELECT count(*) AS n FROM buildings WHERE NOT ST_Covers(ST_MakeEnvelope($1, $2, $3, $4, 4326), geom)',
      body.bbox,
    );
    expect(Number(outside.rows[0].n)).toBe(0);
    // a lower threshold flips the decision (the district and city samples are far above 5,000)
    expect((await layerExtent(t.db, STREET_SCOPE, body.counts.buildings - 1)).tiled).toBe(true);
  });

  it('gives a grid worker the counts and bbox of their grid, its buildings and community, not the street\'s', async () => {
    // the grid with the most buildings, so its part differs from the street's in every figure
    const g = (await t.db.query<{ id: number; community_id: number; worker_id: number | null }>(
      'SELECT g.id, g.community_id, g.worker_id FROM grids g ORDER BY (SELECT count(*) FROM buildings b WHERE b.grid_id = g.id) DESC, g.id LIMIT 1',
    )).rows[0];
    const w = await loginAs(app.baseUrl, t.db, 'worker', { personId: g.worker_id, scopeGridId: g.id });
    const body = (await (await get('/api/layers/extent', w.cookie)).json()) as { bbox: [number, number, number, number]; counts: Record<string, number>; tiled: boolean };
    const own = Number((await t.db.query<{ n: unknown }>('SELECT count(*) AS n FROM buildings WHERE grid_id = $1', [g.id])).rows[0].n);
    expect(body.counts).toEqual({ communities: 1, grids: 1, buildings: own });
    expect(own).toBeLessThan(await n('buildings'));
    // the box is the grid's community's (the largest of the worker's units), not the street's
    const box = (await t.db.query<{ xmin: number; ymin: number; xmax: number; ymax: number }>(
      `SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax FROM (SELECT ST_Extent(geom)::geometry AS e FROM (
         SELECT geom FROM communities WHERE id = $1 UNION ALL SELECT geom FROM grids WHERE id = $2 UNION ALL SELECT geom FROM buildings WHERE grid_id = $2) u) x`,
      [g.community_id, g.id],
    )).rows[0];
    for (const [i, v] of [box.xmin, box.ymin, box.xmax, box.ymax].entries()) expect(body.bbox[i]).toBeCloseTo(Number(v), 9);
    const street = (await (await get('/api/layers/extent')).json()) as { bbox: number[]; tiled: boolean };
    expect(body.bbox).not.toEqual(street.bbox);
    // drawn like the desk: the tiles-or-GeoJSON choice is the street's
    expect(body.tiled).toBe(street.tiled);
    // TileJSON bounds: the worker's part of each layer (their grid's buildings, their grid), by the tiles' own rule
    for (const [layer, sql] of [['buildings', 'SELECT geom FROM buildings WHERE grid_id = $1'], ['grids', 'SELECT geom FROM grids WHERE id = $1']] as const) {
      const tj = (await (await get(`/api/tiles/${layer}.json`, w.cookie)).json()) as { bounds: number[] };
      const e = (await t.db.query<{ xmin: number; ymin: number; xmax: number; ymax: number }>(
        `SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax FROM (SELECT ST_Extent(geom)::geometry AS e FROM (${sql}) u) x`, [g.id],
      )).rows[0];
      expect(tj.bounds.map((v) => Number(v.toFixed(9)))).toEqual([e.xmin, e.ymin, e.xmax, e.ymax].map((v) => Number(Number(v).toFixed(9))));
      const desk = (await (await get(`/api/tiles/${layer}.json`)).json()) as { bounds: number[] };
      expect(tj.bounds).not.toEqual(desk.bounds);
    }
  });

  it('refuses unknown query fields and the unauthenticated', async () => {
    const bad = await get('/api/layers/extent?zoom=3');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_ERROR');
    expect((await get('/api/layers/extent', '')).status).toBe(401);
  });

  it('serves the basemap style from our vector tiles when tiled=1: same layers, no other host, no glyphs or sprite', async () => {
    const plain = (await (await get('/api/basemap/style.json?theme=light')).json()) as StyleJson;
    const res = await get('/api/basemap/style.json?theme=light&tiled=1');
    expect(res.status).toBe(200);
    const tiled = (await res.json()) as StyleJson;
    expect(tiled.glyphs).toBeUndefined();
    expect(tiled.sprite).toBeUndefined();
    expect(tiled.sources.basemap.type).toBe('vector');
    expect(tiled.sources.basemap.tiles).toEqual([`${app.baseUrl}/api/tiles/basemap/{z}/{x}/{y}.mvt`]);
    expect(tiled.layers.map((l) => l.id)).toEqual(plain.layers.map((l) => l.id));
    for (const l of tiled.layers) if (l.source) expect(l['source-layer']).toBe('basemap');
    // the tile URL the style names answers with a tile
    const tileUrl = (tiled.sources.basemap.tiles?.[0] ?? '').replace(app.baseUrl, '');
    const bbox = ((await (await get('/api/layers/extent')).json()) as { bbox: number[] }).bbox;
    const [lon, lat] = [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2];
    const z = 14;
    const x = Math.floor(((lon + 180) / 360) * 2 ** z);
    const y = Math.floor(((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * 2 ** z);
    const tile = await get(tileUrl.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y)));
    expect(tile.status).toBe(200);
    expect((await tile.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect((await get('/api/basemap/style.json?tiled=yes')).status).toBe(400);
  });
});
