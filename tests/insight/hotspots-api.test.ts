// Hot spots, density and playback through the real HTTP routes on every backend: counts per fixed cell
// agree with an independent binning of the inserted points, Gi* agrees with a direct computation from those
// counts, the statistic does not change when the viewport (bbox) pans, and bad input is refused with a code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { ManualClock } from '../../server/clock';
import { cellOf, type HotspotsResponse, type PlaybackResponse, type DensityResponse } from '../../common/insight';
import { computeDensity } from '../../server/insight/density';
import { STREET_SCOPE } from '../../server/auth/scope';
import { insertIncidents, insertStreet, startInsightServer, E, N, S, W, type IncidentSpec, type StreetIds, type InsightServer } from './insight-fixture';
import type { UserRole } from '../../common/domain';

const NOW = new Date('2026-11-26T02:00:00Z');
const DAY = 86_400_000;
const HOT = { lon: 117.1352, lat: 39.2251 };

/** Deterministic pseudo-random numbers (mulberry32) so the data set is the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function dataset(ids: StreetIds): IncidentSpec[] {
  const r = rng(42);
  const out: IncidentSpec[] = [];
  for (let k = 0; k < 60; k++) {
    out.push({
      lon: HOT.lon + (r() - 0.5) * 0.0008, lat: HOT.lat + (r() - 0.5) * 0.0006,
      reportedAt: new Date(NOW.getTime() - (1 + Math.floor(r() * 20)) * DAY - 3600_000).toISOString(),
      communityId: ids.communities[0], gridId: ids.grids[1], category: k % 3 === 0 ? 'parking' : 'environment',
      severity: k % 5 === 0 ? 'big' : 'small',
    });
  }
  for (let k = 0; k < 80; k++) {
    const lon = W + 0.0005 + r() * (E - W - 0.001);
    out.push({
      lon, lat: S + 0.0005 + r() * (N - S - 0.001),
      reportedAt: new Date(NOW.getTime() - (1 + Math.floor(r() * 20)) * DAY - 3600_000).toISOString(),
      communityId: lon < 117.14 ? ids.communities[0] : ids.communities[1], category: k % 2 ? 'safety' : 'environment',
    });
  }
  return out;
}

/** Gi* recomputed directly from the returned counts (band 1.5 cells = queen neighbourhood incl. self). */
function directZ(cells: HotspotsResponse['cells'], ix: number, iy: number): number {
  const n = cells.length;
  const xs = cells.map((c) => c.count);
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const s = Math.sqrt(xs.reduce((a, b) => a + b * b, 0) / n - mean * mean);
  const nb = cells.filter((c) => Math.abs(c.ix - ix) <= 1 && Math.abs(c.iy - iy) <= 1);
  const w = nb.length;
  const lag = nb.reduce((a, c) => a + c.count, 0);
  return (lag - mean * w) / (s * Math.sqrt((n * w - w * w) / (n - 1)));
}

describe.each(backends())('insight map API on %s', (backend) => {
  let t: TestDb;
  let srv: InsightServer;
  let specs: IncidentSpec[];
  const clock = new ManualClock(NOW);
  const get = (path: string, role: UserRole | null = 'leader') => srv.get(path, role);
  const json = async <T>(path: string, role: UserRole = 'leader'): Promise<T> => {
    const res = await get(path, role);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    const ids = await insertStreet(t.db);
    specs = dataset(ids);
    await insertIncidents(t.db, specs);
    srv = await startInsightServer(t.db, clock);
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  it('counts incidents per fixed cell exactly as an independent binning of the points does', async () => {
    const h = await json<HotspotsResponse>('/api/insight/hotspots?cellSize=150');
    expect(h.studyArea).toBe('street');
    expect(h.frame.originLon).toBe(117.14);
    expect(h.incidents).toBe(specs.length);
    const expected = new Map<string, number>();
    for (const s of specs) {
      const [ix, iy] = cellOf(h.frame, s.lon, s.lat);
      expected.set(`${ix},${iy}`, (expected.get(`${ix},${iy}`) ?? 0) + 1);
    }
    for (const c of h.cells) expect(c.count).toBe(expected.get(`${c.ix},${c.iy}`) ?? 0);
    // zero-count cells of the street are part of the study area
    expect(h.cells.filter((c) => c.count === 0).length).toBeGreaterThan(50);
    expect(h.studyCells).toBe(h.cells.length);
  });

  it('marks the dense cluster as a 99 % hot spot with Gi* equal to a direct computation', async () => {
    const h = await json<HotspotsResponse>('/api/insight/hotspots?cellSize=150');
    const [hx, hy] = cellOf(h.frame, HOT.lon, HOT.lat);
    const hot = h.cells.find((c) => c.ix === hx && c.iy === hy)!;
    expect(hot.bin).toBe(3);
    expect(hot.p).toBeLessThan(0.01);
    for (const c of h.cells.filter((_, k) => k % 7 === 0).concat(hot)) {
      expect(Math.abs(c.z - directZ(h.cells, c.ix, c.iy))).toBeLessThan(1e-9);
    }
  });

  it('gives the same z for shared cells whatever the bbox (panning does not change the statistic)', async () => {
    const all = await json<HotspotsResponse>('/api/insight/hotspots?cellSize=100');
    const a = await json<HotspotsResponse>(`/api/insight/hotspots?cellSize=100&bbox=${W},${S},117.142,${N}`);
    const b = await json<HotspotsResponse>(`/api/insight/hotspots?cellSize=100&bbox=117.134,39.215,${E},39.228`);
    expect(a.cells.length).toBeLessThan(all.cells.length);
    const byKey = (r: HotspotsResponse) => new Map(r.cells.map((c) => [`${c.ix},${c.iy}`, c.z]));
    const za = byKey(a), zb = byKey(b), zall = byKey(all);
    const shared = [...za.keys()].filter((k) => zb.has(k));
    expect(shared.length).toBeGreaterThan(20);
    for (const k of shared) expect(za.get(k)).toBe(zb.get(k));
    for (const [k, z] of za) expect(zall.get(k)).toBe(z);
    expect(a.studyCells).toBe(all.studyCells);
  });

  it('filters by category, severity and time window', async () => {
    const parking = await json<HotspotsResponse>('/api/insight/hotspots?categories=parking');
    expect(parking.incidents).toBe(specs.filter((s) => s.category === 'parking').length);
    const big = await json<HotspotsResponse>('/api/insight/hotspots?severity=big&categories=parking,environment');
    expect(big.incidents).toBe(specs.filter((s) => s.severity === 'big').length);
    const from = new Date(NOW.getTime() - 5 * DAY).toISOString();
    const recent = await json<HotspotsResponse>(`/api/insight/hotspots?from=${encodeURIComponent(from)}`);
    expect(recent.incidents).toBe(specs.filter((s) => s.reportedAt >= from).length);
  });

  it('refuses bad input with VALIDATION_ERROR naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['cellSize=123', 'query.cellSize'],
      ['categories=parking,nope', 'query.categories.1'],
      ["bbox=1,2,3';DROP TABLE incidents;--", 'query.bbox'],
      ['bbox=10,10,5,5', 'query.bbox'],
      ['severity=huge', 'query.severity'],
      ['from=yesterday', 'query.from'],
      ['from=2026-11-20T00:00:00Z&to=2026-11-10T00:00:00Z', 'query.from'],
      ['sort=z', 'query.sort'],
    ];
    for (const [qs, field] of cases) {
      const res = await get(`/api/insight/hotspots?${qs}`);
      const body = (await res.json()) as { error: { code: string; field?: string } };
      expect(res.status, qs).toBe(400);
      expect(body.error.code).toBe('VALIDATION_ERROR');
      expect(body.error.field?.startsWith(field) || body.error.field === 'query.sort', `${qs} → ${body.error.field}`).toBe(true);
    }
    const count = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents');
    expect(count.rows[0].n).toBe(specs.length);
  });

  it('checks roles: no session 401, a worker 403, the wall may read the map but not the rankings', async () => {
    expect((await get('/api/insight/hotspots', null)).status).toBe(401);
    expect((await get('/api/insight/hotspots', 'worker')).status).toBe(403);
    expect((await get('/api/insight/hotspots', 'wall')).status).toBe(200);
    expect((await get('/api/insight/rankings', 'wall')).status).toBe(403);
    expect((await get('/api/insight/brief.csv', 'planner')).status).toBe(403);
  });

  it('serves density as points, and as weighted fixed cells above the point limit', async () => {
    const d = await json<DensityResponse>('/api/insight/density');
    expect(d.mode).toBe('points');
    expect(d.total).toBe(specs.length);
    if (d.mode === 'points') expect(d.points).toHaveLength(specs.length * 2);
    const c = await computeDensity(t.db, clock, { severity: 'all' }, STREET_SCOPE, 50);
    expect(c.mode).toBe('cells');
    if (c.mode === 'cells') {
      let sum = 0;
      for (let k = 2; k < c.cells.length; k += 3) sum += c.cells[k];
      expect(sum).toBe(specs.length);
    }
  });

  it('plays back per day with one colour domain, the maximum over all frames', async () => {
    const from = new Date(NOW.getTime() - 21 * DAY).toISOString();
    const p = await json<PlaybackResponse>(`/api/insight/playback?bin=day&from=${encodeURIComponent(from)}`);
    expect(p.frames.length).toBeGreaterThanOrEqual(21);
    expect(p.frames.length).toBeLessThanOrEqual(23);
    let max = 0, total = 0;
    for (const f of p.frames) {
      for (let k = 2; k < f.counts.length; k += 3) max = Math.max(max, f.counts[k]);
      total += f.total;
      expect(f.start.endsWith('T00:00:00+08:00')).toBe(true);
    }
    expect(p.domain).toEqual([0, max]);
    expect(total).toBe(specs.filter((s) => Date.parse(s.reportedAt) >= Date.parse(p.frames[0].start)).length);
    const w = await json<PlaybackResponse>(`/api/insight/playback?bin=week&from=${encodeURIComponent(from)}`);
    expect(w.frames.length).toBeLessThanOrEqual(5);
    expect(w.frames.reduce((a, f) => a + f.total, 0)).toBe(specs.filter((s) => Date.parse(s.reportedAt) >= Date.parse(w.frames[0].start)).length);
  });
});
