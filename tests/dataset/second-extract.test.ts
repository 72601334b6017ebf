// A second real OSM extract (Monte-Carlo – Beausoleil, cut from the reference snapshot: tests/helpers/osm-cut.ts)
// into an EMPTY database by the from-nothing path (street → communities → grids → OSM), on every backend:
// a real report at a real building is routed to the grid that contains it, and coverage gives figures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { cutMonteCarlo, MONTE_CARLO_BBOX } from '../helpers/osm-cut';
import { importStreet } from '../../server/import/import-street';
import { importFile } from '../../server/import/import-file';
import { importOsmPbf } from '../../server/import/osm/import-osm';
import { datasetStatus } from '../../server/dataset/dataset-status';
import { STREET_SCOPE } from '../../server/auth/scope';
import { CoverageEngine } from '../../server/coverage/coverage-engine';
import { coverageSummary } from '../../server/coverage/coverage-figures';
import { createIncidentService, type CommandContext } from '../../server/incidents/incident-service';
import { ReportIncidentSchema } from '../../common/incidents';
import { ManualClock } from '../../server/clock';
import type { FacilityType } from '../../common/domain';

const cut = await cutMonteCarlo();
if ('skipped' in cut) console.warn(`[dataset] SKIPPED the second real OSM extract test: ${cut.skipped}`);

const [W, S, E, N] = MONTE_CARLO_BBOX;
const MX = (W + E) / 2, MY = (S + N) / 2;
const rect = (x0: number, y0: number, x1: number, y1: number) => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });
const feature = (properties: Record<string, unknown>, geometry: unknown) => ({ type: 'Feature', properties, geometry });

async function tmp(name: string, doc: unknown): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'gcc-mc-')), name);
  await writeFile(file, JSON.stringify(doc));
  return file;
}

describe.skipIf('skipped' in cut).each(backends())('second real OSM extract (Monte-Carlo) on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    const file = (cut as { file: string }).file;
    await importStreet(t.db, { file: await tmp('street.geojson', [feature({}, rect(W, S, E, N))]), name: '蒙特卡洛（测试）', nameEn: 'Monte-Carlo (test)', code: '990002001000' });
    // Communities west/east of the middle meridian, each split into two grids (south/north).
    await importFile(t.db, { layer: 'communities', file: await tmp('c.json', [
      feature({ code: '990002001001', name: '西' }, rect(W, S, MX, N)),
      feature({ code: '990002001002', name: '东' }, rect(MX, S, E, N)),
    ]) });
    await importFile(t.db, { layer: 'grids', file: await tmp('g.json', [
      feature({ code: '990002001001001', name: '西南' }, rect(W, S, MX, MY)), feature({ code: '990002001001002', name: '西北' }, rect(W, MY, MX, N)),
      feature({ code: '990002001002001', name: '东南' }, rect(MX, S, E, MY)), feature({ code: '990002001002002', name: '东北' }, rect(MX, MY, E, N)),
    ]) });
    const r = await importOsmPbf(t.db, file);
    console.log(`[dataset] Monte-Carlo cut on ${backend}: ${JSON.stringify(r.imported)}`);
  }, 300_000);
  afterAll(async () => { await t?.drop(); });

  it('holds real data only, with every capability but population and dispatch ready', async () => {
    const s = await datasetStatus(t.db, STREET_SCOPE);
    expect(s.kind).toBe('real');
    expect(s.counts.buildings).toBeGreaterThan(1000);
    expect(s.counts.walk_edges).toBeGreaterThan(1000);
    const notReady = s.capabilities.filter((c) => !c.ready).map((c) => c.capability).sort();
    expect(notReady).toEqual(['dispatch', 'population']);
  });

  it('routes a report at a real building to the grid containing it', async () => {
    // Buildings inside the box are placed by point-in-polygon; one in each grid is reported at.
    const picks = (await t.db.query<{ grid_id: number; lon: number; lat: number }>(
      `SELECT DISTINCT ON (b.grid_id) b.grid_id, ST_X(ST_PointOnSurface(b.geom)) AS lon, ST_Y(ST_PointOnSurface(b.geom)) AS lat
         FROM buildings b WHERE b.grid_id IS NOT NULL ORDER BY b.grid_id, b.id`)).rows;
    expect(picks).toHaveLength(4);
    const svc = createIncidentService({ db: t.db, clock: new ManualClock(new Date('2026-11-26T02:00:00Z')) });
    const dispatcher: CommandContext = { actor: 'user:1', role: 'dispatcher', personId: null };
    for (const p of picks) {
      const r = await svc.reportIncident(dispatcher, ReportIncidentSchema.parse({ category: 'environment', title: '垃圾堆放', location: { lon: Number(p.lon), lat: Number(p.lat) } }));
      expect(r.body.gridId).toBe(p.grid_id);
    }
  });

  it('gives 15-minute coverage figures on the real network, per street, community and grid', async () => {
    const types = (await t.db.query<{ type: FacilityType; n: string }>('SELECT type, count(*) AS n FROM facilities GROUP BY type ORDER BY count(*) DESC, type')).rows;
    expect(types.length).toBeGreaterThan(0);
    const engine = new CoverageEngine(t.db);
    const { state, coverage } = await engine.typeCoverage(types[0].type);
    const s = coverageSummary(types[0].type, 15, state.buildings, coverage.buildingTimeS, coverage.facilities, state.names);
    console.log(`[dataset] Monte-Carlo ${backend}: ${types[0].type} ×${types[0].n}, 15 min: ${s.street.buildingsCovered}/${s.street.buildings} buildings`);
    expect(s.street.buildings).toBeGreaterThan(1000);
    expect(s.street.buildingsCovered).toBeGreaterThan(0);
    expect(s.street.buildingsCovered).toBeLessThanOrEqual(s.street.buildings);
    expect(s.communities).toHaveLength(2);
    expect(s.grids).toHaveLength(4);
    // Every building inside the box is in one grid; the grids' figures add up to what they cover.
    const inGrids = s.grids.reduce((a, g) => a + g.buildings, 0);
    const placed = Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM buildings WHERE grid_id IS NOT NULL')).rows[0].n);
    expect(inGrids).toBe(placed);
  });
});
