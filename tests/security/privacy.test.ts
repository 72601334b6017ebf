// Privacy and the wall: masking rules, sensitive groups only as (small-cell suppressed) aggregates outside
// admin/leader, audited individual reads with a purpose, the one-time wall pairing flow, security headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { canSeeNames, canSeePersonalData, maskName, maskPhone } from '../../server/privacy/masking';
import { scopeFilter } from '../../server/auth/scope';
import { USER_ROLES } from '../../common/domain';

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

interface AggRow { unitId: number; group: string; count: number | null; suppressed: boolean }

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

    it('gives every role aggregates that match the table, suppressing cells below 3, with no names', async () => {
      const res = await fetch(`${srv.baseUrl}/api/privacy/care-aggregates?level=community`, { headers: { cookie: wall.cookie } });
      expect(res.status).toBe(200);
      const text = await res.text();
      const body = JSON.parse(text) as { rows: AggRow[] };
      const truth = await t.db.query<{ community_id: number; group_code: string; n: number }>(
        `SELECT g.community_id, cs.group_code, count(*)::int AS n FROM care_subjects cs JOIN grids g ON g.id = cs.grid_id GROUP BY 1, 2`,
      );
      expect(truth.rows.length).toBeGreaterThan(0);
      expect(body.rows).toHaveLength(truth.rows.length);
      for (const row of truth.rows) {
        const got = body.rows.find((r) => r.unitId === row.community_id && r.group === row.group_code);
        expect(got).toEqual(expect.objectContaining({ count: row.n >= 3 ? row.n : null, suppressed: row.n < 3 }));
      }
      const names = await t.db.query<{ name: string }>('SELECT name FROM care_subjects LIMIT 20');
      for (const n of names.rows) expect(text).not.toContain(n.name);
    });

    it('scopes a worker\'s aggregates to its own grid', async () => {
      const g = await t.db.query<{ grid_id: number }>('SELECT grid_id FROM care_subjects WHERE grid_id IS NOT NULL GROUP BY grid_id ORDER BY count(*) DESC LIMIT 1');
      const worker = await loginAs(srv.baseUrl, t.db, 'worker', { scopeGridId: g.rows[0].grid_id });
      const body = (await (await fetch(`${srv.baseUrl}/api/privacy/care-aggregates`, { headers: { cookie: worker.cookie } })).json()) as { rows: AggRow[] };
      expect(body.rows.length).toBeGreaterThan(0);
      expect(new Set(body.rows.map((r) => r.unitId))).toEqual(new Set([g.rows[0].grid_id]));
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
