// A grid worker's scope on the read paths the route-permission table does not look at (issue 12): Open311
// with the worker's session, the unit panels (responsibility chain, counts, live figures) of other grids and
// their buildings, and the answer to a refused command on another grid's case. Every one answers for grid A
// and says nothing of grid B: not its codes, titles, names or phones. Both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import { IN_A1, IN_B1, loadFixture, type Fixture } from '../incidents/fixture';
import type { IncidentDto } from '../../common/incidents';
import type { DatasetStatus } from '../../common/dataset';
import { createOpen311Client } from '../../server/open311/open311-routes';

describe.each(backends())('a grid worker reads only their grid on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let disp: Session;
  let workerA1: Session;
  let caseA: IncidentDto;
  let caseB: IncidentDto;
  let buildingA: number;
  let buildingB: number;
  /** Strings that belong to grid B only: none may reach the worker of grid A. */
  const secretsOfB: string[] = [];

  const square = (lon: number, lat: number) =>
    `SRID=4326;POLYGON((${lon} ${lat},${lon + 0.0004} ${lat},${lon + 0.0004} ${lat + 0.0003},${lon} ${lat + 0.0003},${lon} ${lat}))`;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    const building = async (code: string, name: string, grid: number, community: number, at: { lon: number; lat: number }) =>
      (await t.db.query<{ id: number }>(
        `INSERT INTO buildings (code, name, community_id, grid_id, households, residents, geom) VALUES ($1, $2, $3, $4, 40, 100, ST_GeomFromEWKT($5)) RETURNING id`,
        [code, name, community, grid, square(at.lon, at.lat)],
      )).rows[0].id;
    buildingA = await building('B-A1-01', '东升里1号楼', fx.gridA1, fx.communityA, IN_A1);
    buildingB = await building('B-B1-01', '朝阳里9号楼', fx.gridB1, fx.communityB, IN_B1);
    // A building head in grid B with a phone of their own.
    const head = await t.db.query<{ id: number }>(
      `INSERT INTO people (role, name, phone, grid_id, building_id, on_duty) VALUES ('building_head', '冯楼长', '13700009999', $1, $2, true) RETURNING id`,
      [fx.gridB1, buildingB],
    );
    await t.db.query('UPDATE buildings SET head_id = $1 WHERE id = $2', [head.rows[0].id, buildingB]);
    srv = await startTestApp(t.db, { clock: new ManualClock(new Date()) });
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    workerA1 = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerA1, scopeGridId: fx.gridA1 });
    const report = async (title: string, location: { lon: number; lat: number }) => {
      const r = await fetch(`${srv.baseUrl}/api/incidents`, {
        method: 'POST',
        headers: disp.headers,
        body: JSON.stringify({ category: 'environment', title, description: `${title}（详情）`, address: `${title}地址`, location }),
      });
      expect(r.status).toBe(201);
      return (await r.json()) as IncidentDto;
    };
    caseA = await report('东升里垃圾堆放', IN_A1);
    caseB = await report('朝阳里占道经营', IN_B1);
    expect([caseA.gridId, caseB.gridId]).toEqual([fx.gridA1, fx.gridB1]);
    secretsOfB.push(caseB.code, '朝阳里占道经营', '朝阳里9号楼', 'B-B1-01', '冯楼长', '13700009999', '赵网格');
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  async function get(s: Session | null, path: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${srv.baseUrl}${path}`, { headers: s ? s.headers : {} });
    return { status: res.status, text: await res.text() };
  }
  const expectNothingOfB = (text: string) => {
    for (const secret of secretsOfB) expect(text, `leaked "${secret}"`).not.toContain(secret);
  };

  it('Open311 with the worker\'s session lists and opens only requests of grid A', async () => {
    for (const format of ['json', 'xml']) {
      const list = await get(workerA1, `/open311/v2/requests.${format}`);
      expect(list.status).toBe(200);
      expect(list.text).toContain('东升里垃圾堆放');
      expectNothingOfB(list.text);
      const own = await get(workerA1, `/open311/v2/requests/${caseA.id}.${format}`);
      expect(own.status).toBe(200);
      const other = await get(workerA1, `/open311/v2/requests/${caseB.id}.${format}`);
      expect(other.status).toBe(404);
      expectNothingOfB(other.text);
      // the answer is the same as for a request that does not exist
      const missing = await get(workerA1, `/open311/v2/requests/999999.${format}`);
      expect(other.text.replace(String(caseB.id), 'N')).toBe(missing.text.replace('999999', 'N'));
    }
    // a dispatcher sees both; keyless readers see public fields of both (the spec's anonymous GET)
    expect((await get(disp, '/open311/v2/requests.json')).text).toContain('朝阳里占道经营');
    const anonymous = await get(null, '/open311/v2/requests.json');
    expect(anonymous.status).toBe(200);
    expect(anonymous.text).not.toContain('朝阳里占道经营（详情）');
  });

  it('unit panels: the worker opens their grid, its buildings and its community, nothing of grid B', async () => {
    for (const [level, id] of [['grid', fx.gridA1], ['building', buildingA], ['community', fx.communityA]] as const) {
      const r = await get(workerA1, `/api/units/${level}/${id}`);
      expect([level, r.status]).toEqual([level, 200]);
      expectNothingOfB(r.text);
    }
    for (const [level, id] of [['grid', fx.gridB1], ['grid', fx.gridA2], ['building', buildingB], ['community', fx.communityB]] as const) {
      const r = await get(workerA1, `/api/units/${level}/${id}`);
      expect([level, id, r.status]).toEqual([level, id, 404]);
      expectNothingOfB(r.text);
      const missing = await get(workerA1, `/api/units/${level}/999999`);
      expect(r.text.replace(String(id), 'N')).toBe(missing.text.replace('999999', 'N'));
    }
    // the desk still opens everything
    const desk = await get(disp, `/api/units/building/${buildingB}`);
    expect(desk.status).toBe(200);
    expect(desk.text).toContain('冯楼长');
  });

  it('a refused command on grid B\'s case answers nothing of it', async () => {
    for (const [verb, body] of [['start', {}], ['resolve', { note: 'x' }], ['start', { expectedVersion: 99 }]] as const) {
      const res = await fetch(`${srv.baseUrl}/api/incidents/${caseB.id}/${verb}`, { method: 'POST', headers: workerA1.headers, body: JSON.stringify(body) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expectNothingOfB(await res.text());
    }
    const detail = await get(workerA1, `/api/incidents/${caseB.id}`);
    expect(detail.status).toBeGreaterThanOrEqual(400);
    expectNothingOfB(detail.text);
    const list = await get(workerA1, '/api/incidents');
    expect(list.status).toBe(200);
    expectNothingOfB(list.text);
  });

  it('/api/dataset counts what the worker reads (their grid\'s part), street roles the street', async () => {
    await t.db.query(`INSERT INTO dataset_layers (layer, origin, source, rows, updated_at) VALUES ('buildings', 'import', 'test.geojson', 2, now())`);
    const mine = JSON.parse((await get(workerA1, '/api/dataset')).text) as DatasetStatus;
    const desk = JSON.parse((await get(disp, '/api/dataset')).text) as DatasetStatus;
    const n = async (sql: string, params: unknown[] = []) => Number((await t.db.query<{ n: unknown }>(sql, params)).rows[0].n);
    // every count of the worker's answer, from the database by the rules of SECURITY.md
    expect(mine.counts).toMatchObject({
      communities: 1, grids: 1, buildings: 1, residents: 100, violations: 0,
      incidents: await n('SELECT count(*) AS n FROM incidents WHERE grid_id = $1 OR assignee_id = $2', [fx.gridA1, fx.workerA1]),
      people: await n('SELECT count(*) AS n FROM people WHERE grid_id = $1', [fx.gridA1]),
      grid_workers: await n('SELECT count(*) AS n FROM grids WHERE id = $1 AND worker_id IS NOT NULL', [fx.gridA1]),
      // the same for everyone: the street, its walking network and basemap
      streets: desk.counts.streets, walk_edges: desk.counts.walk_edges, basemap_features: desk.counts.basemap_features,
    });
    expect(desk.counts).toMatchObject({ communities: 2, grids: 4, buildings: 2, residents: 200, incidents: await n('SELECT count(*) AS n FROM incidents') });
    // the provenance rows are the street's: the worker gets the record, not its count; the badge's kind is the same
    expect(desk.layers.find((l) => l.source === 'test.geojson')?.rows).toBe(2);
    expect(mine.layers.find((l) => l.source === 'test.geojson')?.rows).toBeNull();
    expect(mine.kind).toBe(desk.kind);
    expect(mine.capabilities).toEqual(desk.capabilities);
  });

  it('an Open311 api_key client reads its own requests in full and only the public fields of the others', async () => {
    const hotline = await createOpen311Client(t.db, 'hotline-12345');
    const other = await createOpen311Client(t.db, 'other-client');
    const post = await fetch(`${srv.baseUrl}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: hotline.apiKey, service_code: 'environment', lat: String(IN_A1.lat), long: String(IN_A1.lon), description: '热线来电：楼道堆放杂物', address_string: '东升里3号' }).toString(),
    });
    expect(post.status).toBe(201);
    const ownId = ((await post.json()) as { service_request_id: string }[])[0].service_request_id;
    const list = await get(null, `/open311/v2/requests.json?api_key=${hotline.apiKey}`);
    expect(list.status).toBe(200);
    const items = JSON.parse(list.text) as { service_request_id: string; description: string; address: string }[];
    expect(items.find((i) => i.service_request_id === ownId)).toMatchObject({ description: '热线来电：楼道堆放杂物', address: '东升里3号' });
    // the desk's cases are listed, their description and address blanked as for a keyless reader
    const desk = items.find((i) => i.service_request_id === String(caseB.id));
    expect(desk).toMatchObject({ description: '', address: '' });
    expect(list.text).not.toContain('朝阳里占道经营（详情）');
    const one = await get(null, `/open311/v2/requests/${caseB.id}.json?api_key=${hotline.apiKey}`);
    expect(one.status).toBe(200);
    expect(one.text).not.toContain('朝阳里占道经营（详情）');
    // another client sees the hotline's request with public fields only
    const foreign = await get(null, `/open311/v2/requests/${ownId}.json?api_key=${other.apiKey}`);
    expect(foreign.status).toBe(200);
    expect(foreign.text).not.toContain('楼道堆放杂物');
    expect((await get(null, `/open311/v2/requests/${ownId}.json?api_key=${hotline.apiKey}`)).text).toContain('楼道堆放杂物');
    // a bad key is refused, not read as keyless
    expect((await get(null, '/open311/v2/requests.json?api_key=nope')).status).toBe(403);
  });
});
