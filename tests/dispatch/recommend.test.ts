// Dispatch recommendation through GET /api/incidents/:id/candidates on the real server and the real walking
// engine, on every backend: owning grid's worker first, then by walking time over the network (a river makes
// the straight-line order wrong), then workload; walking times and routes follow the network.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALK_SPEED_MPS } from '../../common/domain';
import type { CandidatesDto, IncidentDto } from '../../common/incidents';
import type { ApiErrorBody } from '../../common/errors';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { IN_A1, IN_B1, loadFixture, type Fixture } from '../incidents/fixture';
import { recommendCandidates } from '../../server/dispatch/recommend';
import { NetworkWalkTimeSource } from '../../server/dispatch/walk-time-source';
import { STREET_SCOPE, scopePolicy } from '../../server/auth/scope';
import { loadWalkLattice } from './walk-lattice';

describe.each(backends())('dispatch candidates on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let disp: Session;
  let worker: Session;
  let volunteer2: number;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    await loadWalkLattice(t.db);
    // A second volunteer within the same walking minute as the first one.
    const v = await t.db.query<{ id: number }>(
      `INSERT INTO people (role, name, on_duty, position) VALUES ('volunteer', '郑志愿', true, ST_SetSRID(ST_MakePoint(117.1212, 39.2005), 4326)) RETURNING id`,
    );
    volunteer2 = v.rows[0].id;
    srv = await startTestApp(t.db);
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    worker = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerA1 });
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  const post = async <T>(path: string, body: unknown) => {
    const r = await fetch(`${srv.baseUrl}${path}`, { method: 'POST', headers: disp.headers, body: JSON.stringify(body) });
    return (await r.json()) as T;
  };
  const candidates = async (id: number, query = '') => {
    const r = await fetch(`${srv.baseUrl}/api/incidents/${id}/candidates${query}`, { headers: disp.headers });
    expect(r.status).toBe(200);
    return (await r.json()) as CandidatesDto;
  };

  it('ranks the owning grid worker first, then by walking time over the network, then by workload', async () => {
    // Give the first volunteer one open task: it now ranks after the second, who is as near on foot.
    const busy = await post<IncidentDto>('/api/incidents', { category: 'care', title: 'busy', location: IN_A1 });
    await post(`/api/incidents/${busy.id}/accept`, {});
    await post(`/api/incidents/${busy.id}/assign`, { workerId: fx.volunteer });

    const inc = await post<IncidentDto>('/api/incidents', { category: 'environment', title: '井盖缺失', location: IN_A1 });
    const c = await candidates(inc.id, '?routes=10');
    expect(c.walkSource).toMatch(/walking network/);
    const order = c.candidates.map((x) => x.personId);
    expect(order).toEqual([fx.workerA1, volunteer2, fx.volunteer, fx.workerB1, fx.workerA2]);
    expect(c.candidates[0]).toMatchObject({ ownGrid: true, onDuty: true, available: true, rank: 1 });
    expect(c.candidates.find((x) => x.personId === fx.volunteer)?.workload).toBe(1);
    // Straight-line distance would put A2 (north, across the river) before B1; on foot it is far behind.
    const a2 = c.candidates.find((x) => x.personId === fx.workerA2);
    const b1 = c.candidates.find((x) => x.personId === fx.workerB1);
    expect((a2?.walkSeconds ?? 0) > (b1?.walkSeconds ?? Infinity)).toBe(true);
    expect(a2?.walkMeters).toBeGreaterThan(5000);
  });

  it('gives the walking time and metres of the network path, and a route along it', async () => {
    const inc = await post<IncidentDto>('/api/incidents', { category: 'environment', title: 'route', location: IN_A1 });
    const c = await candidates(inc.id, '?routes=10');
    const b1 = c.candidates.find((x) => x.personId === fx.workerB1);
    // B1 stands on the lattice row of the incident: the path is that row, 117.12 → 117.16.
    const row = await t.db.query<{ m: number }>(
      `SELECT sum(length_m) AS m FROM walk_edges e JOIN walk_nodes a ON a.id = e.source JOIN walk_nodes b ON b.id = e.target
        WHERE ST_Y(a.geom) = 39.2 AND ST_Y(b.geom) = 39.2 AND ST_X(a.geom) >= 117.12 AND ST_X(b.geom) <= 117.16`,
    );
    expect(b1?.walkMeters).toBeCloseTo(row.rows[0].m, -1);
    expect(b1?.walkSeconds).toBeCloseTo(row.rows[0].m / WALK_SPEED_MPS, -1);
    const route = b1?.route?.coordinates ?? [];
    expect(route[0]).toEqual([117.16, 39.2]);
    expect(route[route.length - 1]).toEqual([IN_A1.lon, IN_A1.lat]);
    expect(route.every(([, lat]) => Math.abs(lat - 39.2) < 1e-9)).toBe(true);
    // A2's route detours east of the river (lon ≥ 117.135) instead of crossing it.
    const a2 = c.candidates.find((x) => x.personId === fx.workerA2);
    expect(Math.max(...(a2?.route?.coordinates ?? []).map(([lon]) => lon))).toBeGreaterThanOrEqual(117.135);
  });

  it('lists an off-duty owning grid worker last, unavailable, and assigning them is refused', async () => {
    const inc = await post<IncidentDto>('/api/incidents', { category: 'environment', title: 'B2', location: { lon: 117.16, lat: 39.23 } });
    expect(inc.gridId).toBe(fx.gridB2);
    const c = await candidates(inc.id);
    const last = c.candidates[c.candidates.length - 1];
    expect(last).toMatchObject({ personId: fx.workerB2, ownGrid: true, onDuty: false, available: false, walkSeconds: null });
    await post(`/api/incidents/${inc.id}/accept`, {});
    const refused = await post<ApiErrorBody>(`/api/incidents/${inc.id}/assign`, { workerId: fx.workerB2 });
    expect(refused.error.code).toBe('WORKER_UNAVAILABLE');
  });

  it('is for dispatchers: a worker is refused, an unknown incident is 404', async () => {
    const r = await fetch(`${srv.baseUrl}/api/incidents/1/candidates`, { headers: worker.headers });
    expect(r.status).toBe(403);
    const nf = await fetch(`${srv.baseUrl}/api/incidents/99999999/candidates`, { headers: disp.headers });
    expect(nf.status).toBe(404);
  });

  it('takes the scope policy: under a grid worker\'s scope another grid\'s case is not found, and only their grid\'s people are ranked', async () => {
    const walk = new NetworkWalkTimeSource(t.db);
    const scope = scopePolicy({ role: 'worker', scopeGridId: fx.gridA1, personId: fx.workerA1 });
    const inA = await post<IncidentDto>('/api/incidents', { category: 'environment', title: 'scoped A', location: IN_A1 });
    const inB = await post<IncidentDto>('/api/incidents', { category: 'environment', title: 'scoped B', location: IN_B1 });
    const street = await recommendCandidates(t.db, walk, inA.id, 'dispatcher', STREET_SCOPE);
    expect(street.candidates.some((c) => c.personId === fx.workerB1)).toBe(true);
    const own = await recommendCandidates(t.db, walk, inA.id, 'worker', scope);
    const grids = await t.db.query<{ id: number; grid_id: number | null }>('SELECT id, grid_id FROM people WHERE id = ANY($1::int[])', [`{${own.candidates.map((c) => c.personId).join(',')}}`]);
    expect(own.candidates.length).toBeGreaterThan(0);
    expect(grids.rows.every((p) => p.grid_id === fx.gridA1)).toBe(true);
    await expect(recommendCandidates(t.db, walk, inB.id, 'worker', scope)).rejects.toMatchObject({ code: 'NOT_FOUND', message: `no incident with id ${inB.id}` });
  });
});
