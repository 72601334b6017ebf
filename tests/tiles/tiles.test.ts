// Vector tiles on both backends: the embedded encoder and ST_AsMVT carry the same features, routes
// validate addresses and roles, and the cache answers the second request.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { createTileService } from '../../server/tiles/tile-service';
import { STREET_SCOPE } from '../../server/auth/scope';
import { tileForLonLat, parseTileAddress } from '../../server/tiles/tile-coords';
import { startTestApp, loginAs, type TestApp } from '../helpers/auth';
import type { Db } from '../../server/db/db';

const CENTER: [number, number] = [117.14, 39.22];

/** A 12 × 12 block of 20 m square buildings around the centre, and one road line. */
async function seedBuildings(db: Db): Promise<number> {
  let n = 0;
  for (let i = 0; i < 12; i++) {
    for (let j = 0; j < 12; j++) {
      const x = CENTER[0] - 0.003 + i * 0.0005;
      const y = CENTER[1] - 0.003 + j * 0.0005;
      const d = 0.0002;
      await db.query(
        `INSERT INTO buildings (code, floors, households, residents, geom)
         VALUES ($1, $2, 10, 25, ST_SetSRID(ST_MakeEnvelope($3, $4, $5, $6), 4326))`,
        [`T${i}-${j}`, 1 + ((i + j) % 20), x, y, x + d, y + d],
      );
      n++;
    }
  }
  await db.query(
    `INSERT INTO basemap_features (kind, name, geom) VALUES ('road_major', '果园北道', ST_SetSRID(ST_MakeLine(ST_MakePoint($1, $2), ST_MakePoint($3, $2)), 4326))`,
    [CENTER[0] - 0.01, CENTER[1], CENTER[0] + 0.01],
  );
  return n;
}

function decode(bytes: Uint8Array, layer: string) {
  const tile = new VectorTile(new PbfReader(bytes));
  const l = tile.layers[layer];
  if (!l) return [];
  return Array.from({ length: l.length }, (_, i) => l.feature(i));
}

describe.each(backends())('vector tiles on %s', (backend) => {
  let t: TestDb;
  let seeded: number;
  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    seeded = await seedBuildings(t.db);
  });
  afterAll(async () => t?.drop());

  it('encodes every building that meets the tile, with its attributes, inside the tile extent', async () => {
    const tiles = createTileService(t.db, { forceEncoder: true });
    const addr = tileForLonLat(CENTER[0], CENTER[1], 15);
    const { bytes } = await tiles.getTile('buildings', addr, STREET_SCOPE);
    const features = decode(bytes, 'buildings');
    const expected = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM buildings WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3))`,
      [addr.z, addr.x, addr.y],
    );
    expect(expected.rows[0].n).toBeGreaterThan(0);
    expect(features.length).toBe(expected.rows[0].n);
    const f = features[0];
    expect(f.type).toBe(3);
    expect(typeof f.properties.code).toBe('string');
    expect(f.properties.households).toBe(10);
    for (const ring of f.loadGeometry()) for (const p of ring) {
      expect(p.x).toBeGreaterThanOrEqual(-64);
      expect(p.x).toBeLessThanOrEqual(4096 + 64);
    }
    expect(seeded).toBe(144);
  });

  it('draws buildings as clockwise exterior rings in tile space (positive shoelace area, y down)', async () => {
    const tiles = createTileService(t.db, { forceEncoder: true });
    const { bytes } = await tiles.getTile('buildings', tileForLonLat(CENTER[0], CENTER[1], 16), STREET_SCOPE);
    for (const f of decode(bytes, 'buildings')) {
      const ring = f.loadGeometry()[0];
      let area = 0;
      for (let i = 0; i < ring.length - 1; i++) area += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y;
      expect(area).toBeGreaterThan(0);
    }
  });

  it('encodes basemap lines with their names', async () => {
    const tiles = createTileService(t.db, { forceEncoder: true });
    const features = decode((await tiles.getTile('basemap', tileForLonLat(CENTER[0], CENTER[1], 14), STREET_SCOPE)).bytes, 'basemap');
    expect(features.map((f) => f.properties.name)).toContain('果园北道');
    expect(features[0].type).toBe(2);
  });

  it('returns an empty tile below the layer minimum zoom and caches until invalidated', async () => {
    const tiles = createTileService(t.db);
    expect((await tiles.getTile('buildings', tileForLonLat(CENTER[0], CENTER[1], 10), STREET_SCOPE)).bytes.byteLength).toBe(0);
    const addr = tileForLonLat(CENTER[0], CENTER[1], 15);
    expect((await tiles.getTile('buildings', addr, STREET_SCOPE)).cached).toBe(false);
    expect((await tiles.getTile('buildings', addr, STREET_SCOPE)).cached).toBe(true);
    tiles.invalidate('buildings');
    expect((await tiles.getTile('buildings', addr, STREET_SCOPE)).cached).toBe(false);
  });

  it.skipIf(backend !== 'pg')('matches ST_AsMVT feature for feature on the server database', async () => {
    const native = createTileService(t.db);
    const ours = createTileService(t.db, { forceEncoder: true });
    for (const zoom of [14, 15, 16, 17]) {
      const addr = tileForLonLat(CENTER[0], CENTER[1], zoom);
      const a = decode((await native.getTile('buildings', addr, STREET_SCOPE)).bytes, 'buildings');
      const b = decode((await ours.getTile('buildings', addr, STREET_SCOPE)).bytes, 'buildings');
      // Same ring orientation as PostGIS's own encoder.
      const sign = (f: (typeof a)[number]) => {
        const r = f.loadGeometry()[0];
        let s = 0;
        for (let i = 0; i < r.length - 1; i++) s += r[i].x * r[i + 1].y - r[i + 1].x * r[i].y;
        return Math.sign(s);
      };
      expect(new Set(b.map(sign))).toEqual(new Set(a.map(sign)));
      expect(b.map((f) => f.id).sort()).toEqual(a.map((f) => f.id).sort());
      const byId = new Map(a.map((f) => [f.id, f]));
      for (const f of b) {
        const other = byId.get(f.id)!;
        expect(f.properties).toEqual(other.properties);
        const bb = f.bbox();
        const ob = other.bbox();
        for (let i = 0; i < 4; i++) expect(Math.abs(bb[i] - ob[i])).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('tile address validation', () => {
  it.each([
    [{ z: 23, x: 0, y: 0 }, 'params.z'],
    [{ z: 2, x: 4, y: 0 }, 'params.x'],
    [{ z: 2, x: 0, y: -1 }, 'params.y'],
    [{ z: 'a', x: 0, y: 0 }, 'params.z'],
    [{ z: 1.5, x: 0, y: 0 }, 'params.z'],
  ])('refuses %j naming %s', (params, field) => {
    expect(() => parseTileAddress(params)).toThrowError(expect.objectContaining({ code: 'VALIDATION_ERROR', field }));
  });
});

describe.each(backends())('tile routes on %s', (backend) => {
  let t: TestDb;
  let app: TestApp;
  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    await seedBuildings(t.db);
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('serves a tile to a signed-in map user and refuses anonymous callers', async () => {
    const addr = tileForLonLat(CENTER[0], CENTER[1], 15);
    const url = `${app.baseUrl}/api/tiles/buildings/${addr.z}/${addr.x}/${addr.y}.mvt`;
    expect((await fetch(url)).status).toBe(401);
    const s = await loginAs(app.baseUrl, t.db, 'wall');
    const res = await fetch(url, { headers: { cookie: s.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
    expect(decode(new Uint8Array(await res.arrayBuffer()), 'buildings').length).toBeGreaterThan(0);
    const again = await fetch(url, { headers: { cookie: s.cookie } });
    expect(again.headers.get('x-tile-cache')).toBe('hit');
  });

  it('TileJSON 3.0: absolute tile URLs, the data bounds, typed fields; a tile layer for every map layer', async () => {
    const s = await loginAs(app.baseUrl, t.db, 'wall');
    const tj = await (await fetch(`${app.baseUrl}/api/tiles/buildings.json`, { headers: { cookie: s.cookie } })).json();
    // Absolute, from the request's host (a client outside the page cannot resolve a relative URL).
    expect(tj.tiles[0]).toBe(`${app.baseUrl}/api/tiles/buildings/{z}/{x}/{y}.mvt`);
    expect(tj).toMatchObject({ tilejson: '3.0.0', scheme: 'xyz', minzoom: 13, maxzoom: 22 });
    // The seeded 12 × 12 block: 0.003° either side of the centre, plus the last building's 0.0002°.
    const [w, so, e, n] = tj.bounds as number[];
    expect(w).toBeCloseTo(CENTER[0] - 0.003, 9);
    expect(so).toBeCloseTo(CENTER[1] - 0.003, 9);
    expect(e).toBeCloseTo(CENTER[0] - 0.003 + 11 * 0.0005 + 0.0002, 9);
    expect(n).toBeCloseTo(CENTER[1] - 0.003 + 11 * 0.0005 + 0.0002, 9);
    expect(tj.vector_layers[0]).toMatchObject({ id: 'buildings', fields: { unit_id: 'Number', code: 'String', floors: 'Number', residents: 'Number', use: 'String' } });
    // The field types agree with what the tile actually carries.
    const addr = tileForLonLat(CENTER[0], CENTER[1], 15);
    const tile = await fetch(`${app.baseUrl}/api/tiles/buildings/${addr.z}/${addr.x}/${addr.y}.mvt`, { headers: { cookie: s.cookie } });
    const props = decode(new Uint8Array(await tile.arrayBuffer()), 'buildings')[0].properties;
    for (const [k, type] of Object.entries(tj.vector_layers[0].fields as Record<string, string>)) {
      if (props[k] === undefined) continue;
      expect([k, typeof props[k]]).toEqual([k, type.toLowerCase()]);
    }
    for (const layer of ['communities', 'grids', 'buildings', 'facilities', 'parking_lots', 'violations', 'basemap']) {
      const r = await fetch(`${app.baseUrl}/api/tiles/${layer}.json`, { headers: { cookie: s.cookie } });
      expect([layer, r.status]).toEqual([layer, 200]);
    }
  });

  it('serves point layers (facilities) as tiles with their typed attributes', async () => {
    await t.db.query(`INSERT INTO facilities (code, type, name, meets_standard, geom) VALUES ('F-T1', 'clinic', '社区卫生服务站', true, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, CENTER);
    const s = await loginAs(app.baseUrl, t.db, 'planner');
    const addr = tileForLonLat(CENTER[0], CENTER[1], 15);
    const res = await fetch(`${app.baseUrl}/api/tiles/facilities/${addr.z}/${addr.x}/${addr.y}.mvt`, { headers: { cookie: s.cookie } });
    expect(res.status).toBe(200);
    const f = decode(new Uint8Array(await res.arrayBuffer()), 'facilities');
    expect(f).toHaveLength(1);
    expect(f[0].type).toBe(1); // Point
    expect(f[0].properties).toMatchObject({ code: 'F-T1', type: 'clinic', name: '社区卫生服务站', meets_standard: true });
  });

  it('answers bad addresses and unknown layers with coded errors', async () => {
    const s = await loginAs(app.baseUrl, t.db, 'dispatcher');
    const bad = await fetch(`${app.baseUrl}/api/tiles/buildings/3/9/0.mvt`, { headers: { cookie: s.cookie } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'params.x' });
    const unknown = await fetch(`${app.baseUrl}/api/tiles/people/15/0/0.mvt`, { headers: { cookie: s.cookie } });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('NOT_FOUND');
  });
});
