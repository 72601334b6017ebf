// Privacy and the wall: masking rules, sensitive groups only as (small-cell suppressed) aggregates outside
// admin/leader, audited individual reads with a purpose, the one-time wall pairing flow, security headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { canSeeNames, canSeePersonalData, maskName, maskPhone } from '../../server/privacy/masking';
import { scopeFilter } from '../../server/auth/scope';
import { USER_ROLES } from '../../common/domain';
import { DISCLOSURE_LEVELS, VISIBLE_LEVELS, type ReleasedCell } from '../../server/privacy/disclosure';
import { CARE_GROUPS } from '../../server/privacy/privacy-routes';
import { derivable, truth, type World } from '../helpers/disclosure-check';

describe('masking rules', () => {
  it('masks names and phones as documented', () => {
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('李')).toBe('*');
    expect(maskName('Li Lei')).toBe('L*****');
    expect(maskPhone('13800001234')).toBe('138****1234');
    expect(maskPhone('+86 138-0000-1234')).toBe('138****1234');
    expect(maskPhone('12345')).toBe('***45');
  });
  it('lets only dispatcher and admin see phones, leader also names, wall never', () => {
    expect(USER_ROLES.filter(canSeePersonalData)).toEqual(['dispatcher', 'admin']);
    expect(USER_ROLES.filter(canSeeNames)).toEqual(['dispatcher', 'leader', 'admin']);
  });
  it('scopes a worker to its grid with a parameter, and a worker without a grid to nothing', () => {
    expect(scopeFilter({ role: 'worker', scopeGridId: 7 }, 'i.grid_id', 3)).toEqual({ sql: 'i.grid_id = $3', params: [7] });
    expect(scopeFilter({ role: 'worker', scopeGridId: null })).toEqual({ sql: 'FALSE', params: [] });
    expect(scopeFilter({ role: 'dispatcher', scopeGridId: null })).toEqual({ sql: 'TRUE', params: [] });
    expect(() => scopeFilter({ role: 'worker', scopeGridId: 1 }, 'grid_id; DROP TABLE x')).toThrow();
  });
});

interface AggRow { unitId: number | null; group: string; count: number | null; suppressed: boolean }

for (const backend of backends()) {
  describe(`privacy routes (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    let wall: Session;
    beforeAll(async () => {
      t = await freshDb(backend, 'sample');
      srv = await startTestApp(t.db);
      wall = await loginAs(srv.baseUrl, t.db, 'wall');
    });
    afterAll(async () => {
      await srv.close();
      await t.drop();
    });

    /** Everything `s` can fetch about sensitive-group counts: every level it may ask for, rows and totals. */
    async function fetchAll(s: Session) {
      const cells: ReleasedCell[] = [];
      const answers: Record<string, number> = {};
      for (const level of DISCLOSURE_LEVELS) {
        const res = await fetch(`${srv.baseUrl}/api/privacy/care-aggregates?level=${level}`, { headers: { cookie: s.cookie } });
        answers[level] = res.status;
        if (res.status !== 200) continue;
        const body = (await res.json()) as { rows: AggRow[]; totals: AggRow[] };
        for (const r of [...body.rows, ...body.totals]) cells.push({ level, unitId: r.unitId, group: r.group, count: r.count, suppressed: r.suppressed });
      }
      return { cells, answers };
    }
    async function world(gridId?: number): Promise<World> {
      const res = await t.db.query<{ building_id: number; grid_id: number | null; community_id: number | null; group_code: string; n: number }>(
        `SELECT cs.building_id, cs.grid_id, COALESCE(g.community_id, b.community_id) AS community_id, cs.group_code, count(*)::int AS n
           FROM care_subjects cs JOIN buildings b ON b.id = cs.building_id LEFT JOIN grids g ON g.id = cs.grid_id
          WHERE ($1::int IS NULL OR cs.grid_id = $1) GROUP BY 1, 2, 3, 4`,
        [gridId ?? null],
      );
      return {
        counts: res.rows.map((r) => ({ buildingId: r.building_id, gridId: r.grid_id, communityId: r.community_id, group: r.group_code, n: r.n })),
        groups: [...CARE_GROUPS],
      };
    }

    it('gives each role only its levels, true counts of 0 or ≥ 3, and nothing derivable from all it can fetch', async () => {
      const w = await world();
      expect(w.counts.length).toBeGreaterThan(0);
      const checked = new Map<string, ReleasedCell[]>();
      for (const role of ['wall', 'planner', 'dispatcher', 'leader', 'admin'] as const) {
        const s = role === 'wall' ? wall : await loginAs(srv.baseUrl, t.db, role);
        const started = Date.now();
        const { cells, answers } = await fetchAll(s);
        const elapsed = Date.now() - started;
        const levels = VISIBLE_LEVELS[role];
        for (const level of DISCLOSURE_LEVELS) expect(answers[level], `${role} ${level}`).toBe(levels.includes(level) ? 200 : 403);
        const { value, key } = truth(w, levels);
        let suppressed = 0;
        for (const c of cells) {
          const v = value.get(key(c.level, c.unitId, c.group));
          if (c.suppressed) { suppressed++; expect(c.count).toBeNull(); continue; }
          expect(c.count, `${role} ${key(c.level, c.unitId, c.group)}`).toBe(v);
          expect(c.count! >= 3, `${role} ${key(c.level, c.unitId, c.group)}`).toBe(true);
        }
        // every cell below the threshold is suppressed (absent means 0)
        for (const [k, v] of value) if (v > 0 && v < 3) expect(cells.find((c) => key(c.level, c.unitId, c.group) === k)?.suppressed, `${role} ${k}`).toBe(true);
        expect(suppressed, role).toBeGreaterThan(0);
        // roles with the same levels get the same table (leader, admin): check derivability once per table
        const seen = checked.get(levels.join());
        if (seen) expect(cells, role).toEqual(seen);
        else { expect(derivable({ cells }, w, levels), role).toEqual([]); checked.set(levels.join(), cells); }
        expect(elapsed, `${role}: all levels answered`).toBeLessThan(20_000);
      }
      const text = JSON.stringify(await fetchAll(wall));
      const names = await t.db.query<{ name: string }>('SELECT name FROM care_subjects LIMIT 20');
      for (const n of names.rows) expect(text).not.toContain(n.name);
    });

    it('answers a group filter from the same table (no differencing by filter), and unit details agree with it', async () => {
      const planner = await loginAs(srv.baseUrl, t.db, 'planner');
      const all = (await (await fetch(`${srv.baseUrl}/api/privacy/care-aggregates?level=grid`, { headers: { cookie: planner.cookie } })).json()) as { rows: AggRow[]; totals: AggRow[] };
      for (const group of CARE_GROUPS) {
        const one = (await (await fetch(`${srv.baseUrl}/api/privacy/care-aggregates?level=grid&group=${group}`, { headers: { cookie: planner.cookie } })).json()) as { rows: AggRow[] };
        expect(one.rows).toEqual(all.rows.filter((r) => r.group === group));
      }
      // the unit panel shows the same all-groups cell: suppressed where the table suppresses it
      const sup = all.totals.find((r) => r.suppressed);
      const shown = all.totals.find((r) => !r.suppressed);
      expect(sup).toBeDefined();
      for (const cell of [sup, shown]) {
        if (!cell) continue;
        const d = (await (await fetch(`${srv.baseUrl}/api/units/grid/${cell.unitId}`, { headers: { cookie: planner.cookie } })).json()) as { counts: { careSubjects?: number | null; careSubjectsSuppressed?: boolean } };
        expect(d.counts.careSubjects).toBe(cell.count);
        expect(d.counts.careSubjectsSuppressed ?? false).toBe(cell.suppressed);
      }
      // a planner may not see a building's count, the wall not a grid's
      const b = await t.db.query<{ building_id: number }>('SELECT building_id FROM care_subjects LIMIT 1');
      const bd = (await (await fetch(`${srv.baseUrl}/api/units/building/${b.rows[0].building_id}`, { headers: { cookie: planner.cookie } })).json()) as { counts: Record<string, unknown> };
      expect(bd.counts).not.toHaveProperty('careSubjects');
      const gd = (await (await fetch(`${srv.baseUrl}/api/units/grid/${all.totals[0].unitId}`, { headers: { cookie: wall.cookie } })).json()) as { counts: Record<string, unknown> };
      expect(gd.counts).not.toHaveProperty('careSubjects');
      // no level asked: the finest the role may see, never a refusal (the wall gets communities)
      const wallDefault = await fetch(`${srv.baseUrl}/api/privacy/care-aggregates`, { headers: { cookie: wall.cookie } });
      expect(wallDefault.status).toBe(200);
      expect(((await wallDefault.json()) as { level: string }).level).toBe('community');
    });

    it('scopes a worker\'s aggregates to its own grid, and nothing it fetches is derivable', async () => {
      const g = await t.db.query<{ grid_id: number }>('SELECT grid_id FROM care_subjects WHERE grid_id IS NOT NULL GROUP BY grid_id ORDER BY count(*) DESC LIMIT 1');
      const worker = await loginAs(srv.baseUrl, t.db, 'worker', { scopeGridId: g.rows[0].grid_id });
      const body = (await (await fetch(`${srv.baseUrl}/api/privacy/care-aggregates`, { headers: { cookie: worker.cookie } })).json()) as { rows: AggRow[] };
      expect(body.rows.length).toBeGreaterThan(0);
      expect(new Set(body.rows.map((r) => r.unitId))).toEqual(new Set([g.rows[0].grid_id]));
      const { cells, answers } = await fetchAll(worker);
      expect(answers).toEqual({ street: 403, community: 403, grid: 200, building: 403 });
      expect(derivable({ cells }, await world(g.rows[0].grid_id), VISIBLE_LEVELS.worker)).toEqual([]);
    });

    it('refuses individual care subjects to wall, dispatcher, planner and worker; requires a purpose; audits every read', async () => {
      for (const role of ['wall', 'dispatcher', 'planner', 'worker'] as const) {
        const s = role === 'wall' ? wall : await loginAs(srv.baseUrl, t.db, role);
        const res = await fetch(`${srv.baseUrl}/api/privacy/care-subjects?purpose=curiosity`, { headers: { cookie: s.cookie } });
        expect(res.status, role).toBe(403);
      }
      const leader = await loginAs(srv.baseUrl, t.db, 'leader');
      const noPurpose = await fetch(`${srv.baseUrl}/api/privacy/care-subjects`, { headers: { cookie: leader.cookie } });
      expect(noPurpose.status).toBe(400);
      expect(((await noPurpose.json()) as { error: { field: string } }).error.field).toBe('query.purpose');
      const before = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'care_subjects.read'`);
      const res = await fetch(`${srv.baseUrl}/api/privacy/care-subjects?purpose=${encodeURIComponent('home visit planning 入户走访')}&limit=5`, { headers: { cookie: leader.cookie } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { rows: Array<{ id: number; name: string; phone: string | null }> };
      expect(body.rows).toHaveLength(5);
      const truth = await t.db.query<{ id: number; name: string; phone: string | null }>('SELECT id, name, phone FROM care_subjects ORDER BY id LIMIT 5');
      body.rows.forEach((r, i) => {
        expect(r.name).toBe(truth.rows[i].name); // leader: names in full
        expect(r.phone).toBe(maskPhone(truth.rows[i].phone)); // but phones masked
      });
      const after = await t.db.query<{ n: number; reason: string; actor: string; ids: number[] }>(
        `SELECT count(*) OVER ()::int AS n, reason, actor, (detail->'ids') AS ids FROM audit_log WHERE action = 'care_subjects.read' ORDER BY id DESC LIMIT 1`,
      );
      expect(after.rows[0].n).toBe(before.rows[0].n + 1);
      expect(after.rows[0]).toMatchObject({ reason: 'home visit planning 入户走访', actor: `user:${leader.identity.userId}`, ids: truth.rows.map((r) => r.id) });
    });

    it('pairs a wall display once with a one-time key that sets the long wall cookie', async () => {
      const admin = await loginAs(srv.baseUrl, t.db, 'admin');
      const wallUser = await loginAs(srv.baseUrl, t.db, 'wall');
      const planner = await loginAs(srv.baseUrl, t.db, 'planner');
      const refused = await fetch(`${srv.baseUrl}/api/auth/wall-keys`, { method: 'POST', headers: admin.headers, body: JSON.stringify({ wallUsername: planner.username }) });
      expect(refused.status).toBe(400); // only wall accounts can be paired
      const issued = await fetch(`${srv.baseUrl}/api/auth/wall-keys`, { method: 'POST', headers: admin.headers, body: JSON.stringify({ wallUsername: wallUser.username }) });
      expect(issued.status).toBe(201);
      const { pairUrl } = (await issued.json()) as { pairUrl: string };
      const paired = await fetch(`${srv.baseUrl}${pairUrl}`, { redirect: 'manual' });
      expect(paired.status).toBe(303);
      expect(paired.headers.get('location')).toBe('/wall');
      const setCookie = paired.headers.getSetCookie()[0];
      expect(setCookie).toMatch(/HttpOnly/);
      expect(Number(/Max-Age=(\d+)/.exec(setCookie)?.[1])).toBe(90 * 86_400);
      const me = await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { cookie: setCookie.split(';')[0] } });
      expect(((await me.json()) as { user: { role: string; username: string } }).user).toMatchObject({ role: 'wall', username: wallUser.username });
      const again = await fetch(`${srv.baseUrl}${pairUrl}`, { redirect: 'manual' });
      expect(again.status).toBe(401); // single use
    });

    it('sends helmet headers with the map-friendly CSP on every response', async () => {
      const res = await fetch(`${srv.baseUrl}/healthz`);
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const d of ["default-src 'self'", "script-src 'self'", "worker-src 'self' blob:", "img-src 'self' data: blob:", "object-src 'none'", "frame-ancestors 'none'", "style-src 'self' 'unsafe-inline'"]) {
        expect(csp).toContain(d);
      }
      expect(csp).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-powered-by')).toBeNull();
      const api = await fetch(`${srv.baseUrl}/api/auth/me`);
      expect(api.headers.get('content-security-policy')).toBe(csp);
    });
  });
}
