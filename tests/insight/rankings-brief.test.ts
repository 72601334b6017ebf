// Rankings (outcomes only), backlog playback and the 民情调处会 brief on a small hand-made data set whose
// figures are worked out in the comments, on every backend through the real HTTP routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { ManualClock } from '../../server/clock';
import { briefQuerySchema, playbackQuerySchema, type PlaybackResponse, type RankingsResponse } from '../../common/insight';
import { insertIncidents, insertStreet, startInsightServer, type IncidentSpec, type InsightServer } from './insight-fixture';
import type { UserRole } from '../../common/domain';
import { STREET_SCOPE, scopePolicy, type ScopePolicy } from '../../server/auth/scope';
import { computeRankings } from '../../server/insight/rankings';
import { computeDensity } from '../../server/insight/density';
import { computePlayback } from '../../server/insight/playback';
import { briefTable } from '../../server/insight/brief';

const NOW = new Date('2026-11-26T02:00:00Z');
const H = 3600_000;
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const INJECTION = '=HYPERLINK("http://evil.example","点我"), 含逗号';

describe.each(backends())('insight rankings and brief on %s', (backend) => {
  let t: TestDb;
  let srv: InsightServer;
  let specs: IncidentSpec[];
  let west: number, east: number;
  const clock = new ManualClock(NOW);
  const get = (path: string, role: UserRole | null = 'leader') => srv.get(path, role);

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    const ids = await insertStreet(t.db);
    [west, east] = ids.communities;
    const [ws, , es] = ids.grids;
    const w = { lon: 117.135, lat: 39.215, communityId: west, gridId: ws };
    const e = { lon: 117.145, lat: 39.215, communityId: east, gridId: es };
    specs = [
      // West: closed in 2 h (on time, satisfaction 5) and in 60 h (late: due 48 h; one rework, escalated, satisfaction 3)
      { ...w, reportedAt: at(-240 * H), closedAt: at(-238 * H), satisfaction: 5 },
      { ...w, reportedAt: at(-240 * H), closedAt: at(-180 * H), rework: 1, escalation: 1, satisfaction: 3 },
      // West, open: overdue since a day (with a formula-injection title and a comma/quote address), and not yet due
      { ...w, reportedAt: at(-72 * H), dueAt: at(-24 * H), status: 'assigned', title: INJECTION, address: '西路1号,"北"门' },
      { ...w, reportedAt: at(-48 * H), dueAt: at(24 * H), status: 'in_progress', category: 'safety', severity: 'big' },
      // East: closed in 10 h and 20 h (both on time, satisfaction 4), and one rejected report (never "open")
      { ...e, reportedAt: at(-216 * H), closedAt: at(-206 * H), satisfaction: 4 },
      { ...e, reportedAt: at(-216 * H), closedAt: at(-196 * H), satisfaction: 4 },
      { ...e, reportedAt: at(-120 * H), status: 'rejected' },
    ];
    await insertIncidents(t.db, specs);
    srv = await startInsightServer(t.db, clock);
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  it('ranks communities by outcomes: median/mean time to close, on-time, rework, escalations, satisfaction', async () => {
    const res = await get('/api/insight/rankings?level=community&sort=onTimeRate');
    expect(res.status).toBe(200);
    const r = (await res.json()) as RankingsResponse;
    const [first, second] = r.rows;
    expect(first).toMatchObject({ id: east, rank: 1, incidents: 3, closed: 2, open: 0, medianCloseHours: 15, meanCloseHours: 15, onTimeRate: 1, reworkRate: 0, escalations: 0, meanSatisfaction: 4 });
    expect(second).toMatchObject({ id: west, rank: 2, incidents: 4, closed: 2, open: 2, medianCloseHours: 31, meanCloseHours: 31, onTimeRate: 0.5, reworkRate: 0.5, escalations: 1, meanSatisfaction: 4 });
    // weekly trend: reports of 16 and 17 Nov fall in the week of Monday 16 Nov (CST); the open ones in the week of 23 Nov
    expect(r.weeks).toEqual(['2026-11-16', '2026-11-23']);
    expect(second.trend.map((p) => [p.week, p.incidents, p.closed])).toEqual([['2026-11-16', 2, 2], ['2026-11-23', 2, 0]]);
  });

  it('orders by the chosen metric in its better direction, and ranks grids too', async () => {
    const byRework = (await (await get('/api/insight/rankings?sort=reworkRate')).json()) as RankingsResponse;
    expect(byRework.rows.map((x) => x.id)).toEqual([east, west]);
    const grids = (await (await get('/api/insight/rankings?level=grid&sort=meanCloseHours')).json()) as RankingsResponse;
    expect(grids.rows).toHaveLength(4);
    expect(grids.rows[0]).toMatchObject({ name: '东南网格', communityName: '东社区', meanCloseHours: 15 });
    // grids without closed incidents have no time to close: they go last
    expect(grids.rows.slice(2).every((g) => g.meanCloseHours === null)).toBe(true);
    const bad = await get('/api/insight/rankings?sort=reportsFiled');
    expect(bad.status).toBe(400);
  });

  it('counts the backlog at the end of each day as open intervals reported ≤ t < closed', async () => {
    const from = at(-12 * 24 * H);
    const res = await get(`/api/insight/playback?bin=day&mode=backlog&from=${encodeURIComponent(from)}`);
    expect(res.status).toBe(200);
    const p = (await res.json()) as PlaybackResponse;
    for (const f of p.frames) {
      const tMs = Date.parse(f.at);
      const expected = specs.filter(
        (s) => s.status !== 'rejected' && Date.parse(s.reportedAt) < tMs && (!s.closedAt || Date.parse(s.closedAt) >= tMs),
      ).length;
      expect(f.total, f.at).toBe(expected);
    }
    expect(p.frames.some((f) => f.total === 2)).toBe(true);
    const max = Math.max(...p.frames.flatMap((f) => f.counts.filter((_, k) => k % 3 === 2)));
    expect(p.domain).toEqual([0, max]);
  });

  it('exports CSV with a BOM, RFC 4180 quoting and formula injection neutralised', async () => {
    const res = await get('/api/insight/brief.csv?sheet=open');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="?brief-open-\d{8}-\d{4}\.csv/);
    const buf = Buffer.from(await res.arrayBuffer());
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = buf.toString('utf8').slice(1);
    const lines = text.split('\r\n').filter(Boolean);
    expect(lines[0].startsWith('编号,类别,大小事,状态,标题,社区')).toBe(true);
    expect(lines).toHaveLength(3); // header + 2 open cases (rejected and closed are not open)
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""点我""), 含逗号"`);
    expect(text).toContain('"西路1号,""北""门"');
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);

    const overdue = Buffer.from(await (await get('/api/insight/brief.csv?sheet=overdue')).arrayBuffer()).toString('utf8');
    const oLines = overdue.split('\r\n').filter(Boolean);
    expect(oLines).toHaveLength(2);
    expect(oLines[1]).toMatch(/,24,0,0$/); // overdue by 24 h, escalation level 0, no rework

    const eastOnly = Buffer.from(await (await get(`/api/insight/brief.csv?sheet=open&communityId=${east}`)).arrayBuffer()).toString('utf8');
    expect(eastOnly.split('\r\n').filter(Boolean)).toHaveLength(1);
  });

  it('exports XLSX with the three sheets and writes an audit row per export', async () => {
    const before = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'insight.brief.export'`);
    const res = await get('/api/insight/brief.xlsx', 'dispatcher');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/spreadsheetml/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    expect(wb.worksheets.map((s) => s.name)).toEqual(['在办案件', '超期案件', '社区排名']);
    const open = wb.getWorksheet('在办案件')!;
    expect(open.rowCount).toBe(3);
    const titles = [open.getRow(2).getCell(5).value, open.getRow(3).getCell(5).value];
    expect(titles).toContain(`'${INJECTION}`);
    const rank = wb.getWorksheet('社区排名')!;
    expect(rank.getRow(2).getCell(2).value).toBe('东社区');
    expect(rank.getRow(2).getCell(9).value).toBe(100);
    expect(rank.getRow(3).getCell(9).value).toBe(50);
    const after = await t.db.query<{ n: number; actor: string }>(
      `SELECT count(*)::int AS n, max(a.actor) AS actor FROM audit_log a WHERE a.action = 'insight.brief.export'
         AND a.actor = 'user:' || (SELECT id FROM users WHERE role = 'dispatcher' LIMIT 1)`,
    );
    expect(after.rows[0].n).toBe(1);
    expect(before.rows[0].n).toBeGreaterThanOrEqual(0);
  });
  it('every insight helper takes the reader\'s scope: under a grid worker\'s policy only that grid\'s cases count', async () => {
    // the routes are street roles only (a worker gets 403), but the helpers take the policy as a required
    // argument (issue 12 item 1), so a route that opened them to a worker could not count another grid
    const grids = (await t.db.query<{ id: number; community_id: number }>('SELECT id, community_id FROM grids ORDER BY code')).rows;
    const [ws, , es] = grids.map((g) => Number(g.id));
    const worker = (gridId: number) => scopePolicy({ role: 'worker', scopeGridId: gridId, personId: null });
    const base = { severity: 'all' as const, categories: undefined };
    const rank = (scope: ScopePolicy, level: 'community' | 'grid') => computeRankings(t.db, clock, { ...base, level, sort: 'onTimeRate' }, scope);
    // west's four cases are all in its south-west grid, east's three in its south-east grid
    expect((await rank(STREET_SCOPE, 'community')).rows.map((r) => [r.id, r.incidents]).sort()).toEqual([[west, 4], [east, 3]].sort());
    expect((await rank(worker(es), 'community')).rows.map((r) => [r.id, r.incidents])).toEqual([[east, 3]]);
    expect((await rank(worker(ws), 'grid')).rows.map((r) => [r.id, r.incidents])).toEqual([[ws, 4]]);
    expect((await computeDensity(t.db, clock, base, STREET_SCOPE)).total).toBe(7);
    expect((await computeDensity(t.db, clock, base, worker(ws))).total).toBe(4);
    expect((await computeDensity(t.db, clock, base, worker(grids[1].id))).total).toBe(0);
    // the brief's open cases: west has two open, east none
    const open = (scope: ScopePolicy) => briefTable(t.db, clock, briefQuerySchema.parse({ sheet: 'open' }), scope);
    expect((await open(STREET_SCOPE)).rows).toHaveLength(2);
    expect((await open(worker(es))).rows).toHaveLength(0);
    // reported per day: the street's seven, the south-west grid's four, the north-west grid's none
    const reported = async (scope: ScopePolicy) =>
      (await computePlayback(t.db, clock, playbackQuerySchema.parse({ mode: 'reported', bin: 'day' }), scope)).frames.reduce((n, f) => n + f.total, 0);
    expect([await reported(STREET_SCOPE), await reported(worker(ws)), await reported(worker(grids[1].id))]).toEqual([7, 4, 0]);
  });
});
