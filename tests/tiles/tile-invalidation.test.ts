// The tile cache follows the data: committed events empty the layers they change (tile-invalidation.ts),
// on every backend, through the real route, and leave the other layers' tiles cached.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { startTestApp, loginAs, type TestApp } from '../helpers/auth';
import { tileForLonLat } from '../../server/tiles/tile-coords';
import { invalidateTilesFor, tileLayersChangedBy } from '../../server/tiles/tile-invalidation';

const CENTER: [number, number] = [117.14, 39.22];

describe('which tile layers an event makes stale', () => {
  it.each([
    [{ type: 'layer.imported', entityType: 'layer' }, 'all'],
    [{ type: 'sample.loaded', entityType: 'dataset' }, 'all'],
    [{ type: 'parking.occupancy_changed', entityType: 'parking_lot' }, ['parking_lots']],
    [{ type: 'violation.status_changed', entityType: 'violation' }, ['violations']],
    [{ type: 'building.updated', entityType: 'building' }, ['buildings']],
    [{ type: 'incident.reported', entityType: 'incident' }, []],
  ])('%j → %j', (event, layers) => {
    expect(tileLayersChangedBy(event)).toEqual(layers);
  });

  it('invalidates each changed layer once, and everything once for an import', () => {
    const tiles = { invalidate: vi.fn() };
    invalidateTilesFor(tiles, [
      { type: 'parking.occupancy_changed', entityType: 'parking_lot' },
      { type: 'parking.occupancy_changed', entityType: 'parking_lot' },
      { type: 'incident.reported', entityType: 'incident' },
    ]);
    expect(tiles.invalidate.mock.calls).toEqual([['parking_lots']]);
    tiles.invalidate.mockClear();
    invalidateTilesFor(tiles, [{ type: 'violation.status_changed', entityType: 'violation' }, { type: 'layer.imported', entityType: 'layer' }]);
    expect(tiles.invalidate.mock.calls).toEqual([[]]);
  });
});

describe.each(backends())('tile cache after a live edit on %s', (backend) => {
  let t: TestDb;
  let app: TestApp;
  let lotId: number;
  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    const lot = await t.db.query<{ id: number }>(
      `INSERT INTO parking_lots (code, name, kind, capacity, occupied, geom)
       VALUES ('P-TILE', '测试停车场', 'public', 40, 10, ST_SetSRID(ST_MakePoint($1, $2), 4326)) RETURNING id`,
      CENTER,
    );
    lotId = lot.rows[0].id;
    await t.db.query(
      `INSERT INTO buildings (code, floors, geom) VALUES ('B-TILE', 3, ST_SetSRID(ST_MakeEnvelope($1, $2, $3, $4), 4326))`,
      [CENTER[0], CENTER[1], CENTER[0] + 0.0002, CENTER[1] + 0.0002],
    );
    app = await startTestApp(t.db);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('a changed occupancy is in the next tile; the buildings tile stays cached', async () => {
    const s = await loginAs(app.baseUrl, t.db, 'dispatcher');
    const addr = tileForLonLat(CENTER[0], CENTER[1], 15);
    const get = async (layer: string) => {
      const res = await fetch(`${app.baseUrl}/api/tiles/${layer}/${addr.z}/${addr.x}/${addr.y}.mvt`, { headers: { cookie: s.cookie } });
      const tile = new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer())));
      const l = tile.layers[layer];
      return { cache: res.headers.get('x-tile-cache'), first: l && l.length ? l.feature(0).properties : undefined };
    };
    expect(await get('parking_lots')).toMatchObject({ cache: 'miss', first: { occupied: 10 } });
    expect(await get('parking_lots')).toMatchObject({ cache: 'hit', first: { occupied: 10 } });
    expect((await get('buildings')).cache).toBe('miss');

    const patch = await fetch(`${app.baseUrl}/api/live/parking/${lotId}`, {
      method: 'PATCH',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ occupied: 25, version: 1, reason: '现场核对车位' }),
    });
    expect(patch.status).toBe(200);
    // The publisher pushes the committed event on its next turn (woken by the route); wait for it.
    let after = await get('parking_lots');
    for (let i = 0; i < 50 && after.first?.occupied !== 25; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await get('parking_lots');
    }
    expect(after).toMatchObject({ cache: 'miss', first: { occupied: 25 } });
    expect((await get('buildings')).cache).toBe('hit');
  });
});
