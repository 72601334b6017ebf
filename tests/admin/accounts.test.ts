// Issue 14 item 1: accounts through /api/admin on every backend — list, search, paging, create, disable and
// re-enable, reset password (shown once), change role and grid; each change audited with its reason and the
// request's address; sessions and sockets of the account end at once; every refusal with its stable code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ROLES, type UserRole } from '../../common/domain';
import type { AccountChangeAnswer, AccountDto, AccountPage, OneTimePasswordAnswer } from '../../common/admin';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { changeOwnPassword, firstSignIn, login, loginAs, socketAuth, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { io as ioClient } from 'socket.io-client';
import { call, connectSocket, within } from './admin-fixture';
import { setAccountDisabled } from '../../server/admin/account-service';
import type { Identity } from '../../server/auth/identity';

interface AuditRow {
  actor: string;
  action: string;
  entity_id: string;
  reason: string | null;
  detail: Record<string, unknown> | string | null;
  ip: string | null;
}

for (const backend of backends()) {
  describe(`accounts (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    let admin: Session;
    let gridId: number;
    const sessions = new Map<UserRole, Session>();
    const base = () => srv.baseUrl;

    async function auditOf(action: string, entityId: number): Promise<AuditRow[]> {
      const r = await t.db.query<AuditRow>(`SELECT actor, action, entity_id, reason, detail, ip FROM audit_log WHERE action = $1 AND entity_id = $2 ORDER BY id`, [
        action,
        String(entityId),
      ]);
      return r.rows.map((x) => ({ ...x, detail: typeof x.detail === 'string' ? (JSON.parse(x.detail) as Record<string, unknown>) : x.detail }));
    }

    async function create(body: Record<string, unknown>): Promise<OneTimePasswordAnswer> {
      const a = await call<OneTimePasswordAnswer>(base(), admin, 'POST', '/api/admin/accounts', body);
      expect(a.status, JSON.stringify(a.body)).toBe(201);
      return a.body;
    }

    beforeAll(async () => {
      t = await freshDb(backend, 'sample');
      srv = await startTestApp(t.db);
      admin = await loginAs(srv.baseUrl, t.db, 'admin', { username: 'chief_admin' });
      for (const role of USER_ROLES) sessions.set(role, role === 'admin' ? admin : await loginAs(srv.baseUrl, t.db, role));
      gridId = Number((await t.db.query<{ id: number }>('SELECT id FROM grids ORDER BY id LIMIT 1')).rows[0].id);
    });
    afterAll(async () => {
      await srv.close();
      await t.drop();
    });

    it('creates an account with a generated password shown once, stored only as a hash, audited with the address', async () => {
      const made = await create({ username: 'zhang.min', displayName: '张敏', role: 'dispatcher' });
      expect(made.password).toMatch(/^[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}$/);
      expect(made.account).toMatchObject({ username: 'zhang.min', displayName: '张敏', role: 'dispatcher', disabled: false, scopeGridId: null, activeSessions: 0 });
      const stored = await t.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [made.account.id]);
      expect(stored.rows[0].password_hash.startsWith('$argon2id$')).toBe(true);
      expect(stored.rows[0].password_hash).not.toContain(made.password);
      // the new person signs in with it
      const s = await login(base(), 'zhang.min', made.password);
      expect(s.identity.role).toBe('dispatcher');
      const rows = await auditOf('account.create', made.account.id);
      expect(rows).toHaveLength(1);
      expect(rows[0].actor).toBe(`user:${admin.identity.userId}`);
      expect(rows[0].ip).toMatch(/127\.0\.0\.1/);
      expect(JSON.stringify(rows[0])).not.toContain(made.password);
      // two creations never share a password
      const other = await create({ username: 'zhang.min2', displayName: '张敏二', role: 'planner' });
      expect(other.password).not.toBe(made.password);
    });

    it("an administrator's password only lets its person choose their own: nothing else answers until then, on any path", async () => {
      const made = await create({ username: 'sun.first', displayName: '孙首登', role: 'dispatcher' });
      const s = await login(base(), 'sun.first', made.password);
      expect(s.identity.mustChangePassword).toBe(true);
      const me = await call<{ user: { mustChangePassword: boolean } }>(base(), s, 'GET', '/api/auth/me');
      expect([me.status, me.body.user.mustChangePassword]).toEqual([200, true]);
      // reads and writes of every mount are refused with one code, a message a person can act on
      for (const [method, path] of [['GET', '/api/incidents'], ['GET', '/api/layers/grids'], ['GET', '/ogc/collections'], ['GET', '/api/live/snapshot'], ['POST', '/api/auth/tokens']] as const) {
        const r = await call<{ code?: string; description?: string }>(base(), s, method, path, method === 'POST' ? { name: 'qgis' } : undefined);
        // OGC answers in the spec's exception shape {code, description}
        const [code, message] = path.startsWith('/ogc') ? [r.body.code, r.body.description] : [r.code, r.message];
        expect([r.status, code], `${method} ${path}`).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
        expect(message).toMatch(/修改密码/);
      }
      // nor does a socket connect
      const refused = await new Promise<{ code?: string }>((resolve) => {
        const sock = ioClient(base(), { ...socketAuth(s), reconnection: false, forceNew: true });
        sock.on('connect', () => {
          sock.close();
          resolve({ code: 'connected' });
        });
        sock.on('connect_error', (err: Error & { data?: { code?: string } }) => {
          sock.close();
          resolve({ code: err.data?.code });
        });
      });
      expect(refused.code).toBe('PASSWORD_CHANGE_REQUIRED');
      // choosing one's own password lifts it at once, in the renewed session
      const own = await changeOwnPassword(base(), s, '孙首登自己的密码');
      expect((await call(base(), own, 'GET', '/api/incidents')).status).toBe(200);
      expect((await call<{ user: { mustChangePassword: boolean } }>(base(), own, 'GET', '/api/auth/me')).body.user.mustChangePassword).toBe(false);
      expect((await call(base(), s, 'GET', '/api/auth/me')).status).toBe(401);
      // a reset sets it again; a wall account (paired with a key, nobody types at it) is never asked
      const reset = await call<OneTimePasswordAnswer>(base(), admin, 'POST', `/api/admin/accounts/${made.account.id}/reset-password`, { reason: '忘记密码' });
      expect((await login(base(), 'sun.first', reset.body.password)).identity.mustChangePassword).toBe(true);
      const wall = await create({ username: 'wall.hall2', displayName: '二号大屏', role: 'wall' });
      const w = await login(base(), 'wall.hall2', wall.password);
      expect(w.identity.mustChangePassword).toBe(false);
      expect((await call(base(), w, 'GET', '/api/live/snapshot')).status).toBe(200);
      expect((await firstSignIn(base(), 'sun.first', reset.body.password, 'another own passphrase')).identity.mustChangePassword).toBe(false);
    });

    it('lists accounts with search, role and status filters and paging', async () => {
      for (let i = 1; i <= 5; i++) await create({ username: `liu.page${i}`, displayName: `刘分页${i}`, role: 'planner' });
      const all = await call<AccountPage>(base(), admin, 'GET', '/api/admin/accounts?q=liu.page&pageSize=2');
      expect(all.status).toBe(200);
      expect(all.body.total).toBe(5);
      const seen: string[] = [];
      for (let page = 1; page <= 3; page++) {
        const p = await call<AccountPage>(base(), admin, 'GET', `/api/admin/accounts?q=liu.page&pageSize=2&page=${page}`);
        seen.push(...p.body.accounts.map((a) => a.username));
      }
      expect(seen).toEqual(['liu.page1', 'liu.page2', 'liu.page3', 'liu.page4', 'liu.page5']);
      // by display name, case-insensitive; LIKE wildcards are literal
      expect((await call<AccountPage>(base(), admin, 'GET', `/api/admin/accounts?q=${encodeURIComponent('刘分页3')}`)).body.accounts.map((a) => a.username)).toEqual(['liu.page3']);
      expect((await call<AccountPage>(base(), admin, 'GET', '/api/admin/accounts?q=LIU.PAGE4')).body.total).toBe(1);
      expect((await call<AccountPage>(base(), admin, 'GET', '/api/admin/accounts?q=liu_page')).body.total).toBe(0);
      const leaders = await call<AccountPage>(base(), admin, 'GET', '/api/admin/accounts?role=leader');
      expect(leaders.body.accounts.length).toBeGreaterThan(0);
      expect(leaders.body.accounts.every((a) => a.role === 'leader')).toBe(true);
      // the list says who is signed in (the admin's own session) and when they last signed in
      const me = (await call<AccountPage>(base(), admin, 'GET', '/api/admin/accounts?q=chief_admin')).body.accounts[0];
      expect(me.activeSessions).toBeGreaterThanOrEqual(1);
      expect(me.lastLoginAt).not.toBeNull();
      expect((await call(base(), admin, 'GET', '/api/admin/accounts?pageSize=500')).code).toBe('VALIDATION_ERROR');
      expect((await call(base(), admin, 'GET', '/api/admin/accounts?sort=username')).code).toBe('VALIDATION_ERROR');
    });

    it('disabling ends the account at once: its session, its socket and its sign-in; re-enabling lets it sign in again', async () => {
      const made = await create({ username: 'wang.leave', displayName: '王离职', role: 'dispatcher' });
      const victim = await firstSignIn(base(), 'wang.leave', made.password);
      // the session is warm in the process's cache
      expect((await call(base(), victim, 'GET', '/api/auth/me')).status).toBe(200);
      expect((await call(base(), victim, 'GET', '/api/auth/me')).status).toBe(200);
      const sock = await connectSocket(base(), victim);
      const off = await call<AccountChangeAnswer>(base(), admin, 'POST', `/api/admin/accounts/${made.account.id}/disable`, { reason: '离职' });
      expect(off.status).toBe(200);
      expect(off.body.account.disabled).toBe(true);
      expect(off.body.sessionsEnded).toBe(1);
      // at once: no wait for the cache's TTL
      const after = await call(base(), victim, 'GET', '/api/auth/me');
      expect(after.status).toBe(401);
      const ended = await within(sock.ended, 2000);
      expect(ended).not.toBe('timeout');
      expect(ended).toMatchObject({ reason: 'io server disconnect', notice: { code: 'UNAUTHENTICATED' } });
      await expect(login(base(), 'wang.leave', victim.password)).rejects.toThrow(/401/);
      const row = (await auditOf('account.disable', made.account.id))[0];
      expect(row).toMatchObject({ actor: `user:${admin.identity.userId}`, reason: '离职' });
      expect(row.detail).toMatchObject({ username: 'wang.leave', sessionsEnded: 1 });
      expect(row.ip).toMatch(/127\.0\.0\.1/);
      // listed as disabled
      const listed = await call<AccountPage>(base(), admin, 'GET', '/api/admin/accounts?status=disabled&q=wang.leave');
      expect(listed.body.accounts.map((a) => a.username)).toEqual(['wang.leave']);

      const on = await call<AccountChangeAnswer>(base(), admin, 'POST', `/api/admin/accounts/${made.account.id}/enable`, { reason: '返聘' });
      expect(on.status).toBe(200);
      expect(on.body.account.disabled).toBe(false);
      expect((await login(base(), 'wang.leave', victim.password)).identity.username).toBe('wang.leave');
      expect(await auditOf('account.enable', made.account.id)).toHaveLength(1);
      sock.close();
    });

    it('resetting a password answers a new one once, ends every session, and the old password stops working', async () => {
      const made = await create({ username: 'li.forgot', displayName: '李忘记', role: 'planner' });
      const s1 = await login(base(), 'li.forgot', made.password);
      const s2 = await login(base(), 'li.forgot', made.password);
      const reset = await call<OneTimePasswordAnswer>(base(), admin, 'POST', `/api/admin/accounts/${made.account.id}/reset-password`, { reason: '忘记密码' });
      expect(reset.status).toBe(200);
      expect(reset.headers.get('cache-control')).toBe('no-store');
      expect(reset.body.password).not.toBe(made.password);
      expect(reset.body.sessionsEnded).toBe(2);
      for (const s of [s1, s2]) expect((await call(base(), s, 'GET', '/api/auth/me')).status).toBe(401);
      await expect(login(base(), 'li.forgot', made.password)).rejects.toThrow(/401/);
      // the handed-out password signs in only to choose one's own
      expect((await login(base(), 'li.forgot', reset.body.password)).identity).toMatchObject({ role: 'planner', mustChangePassword: true });
      const rows = await auditOf('account.password_reset', made.account.id);
      expect(rows).toHaveLength(1);
      expect(rows[0].reason).toBe('忘记密码');
      expect(JSON.stringify(rows)).not.toContain(reset.body.password);
      // not readable again: the account list never carries a password or hash
      const listed = await call(base(), admin, 'GET', '/api/admin/accounts?q=li.forgot');
      expect(JSON.stringify(listed.body)).not.toContain(reset.body.password);
      expect(JSON.stringify(listed.body)).not.toContain('argon2');
    });

    it('changes role and grid scope: a worker needs a grid that exists; the old session ends; the new role applies', async () => {
      const made = await create({ username: 'zhao.move', displayName: '赵调岗', role: 'dispatcher' });
      const old = await firstSignIn(base(), 'zhao.move', made.password);
      const sock = await connectSocket(base(), old);
      const noGrid = await call(base(), admin, 'POST', `/api/admin/accounts/${made.account.id}/role`, { role: 'worker', reason: '调岗' });
      expect([noGrid.status, noGrid.code, noGrid.field]).toEqual([400, 'VALIDATION_ERROR', 'body.scopeGridId']);
      const unknownGrid = await call(base(), admin, 'POST', `/api/admin/accounts/${made.account.id}/role`, { role: 'worker', scopeGridId: 987654, reason: '调岗' });
      expect([unknownGrid.status, unknownGrid.code, unknownGrid.field]).toEqual([400, 'VALIDATION_ERROR', 'body.scopeGridId']);
      expect(unknownGrid.message).toMatch(/no grid with id 987654/);
      // refusals changed nothing and ended nothing
      expect((await call(base(), old, 'GET', '/api/auth/me')).status).toBe(200);

      const person = await t.db.query<{ id: number }>(`SELECT id FROM people WHERE role = 'grid_worker' AND grid_id = $1 LIMIT 1`, [gridId]);
      const personId = person.rows[0] ? Number(person.rows[0].id) : null;
      const ok = await call<AccountChangeAnswer>(base(), admin, 'POST', `/api/admin/accounts/${made.account.id}/role`, {
        role: 'worker', scopeGridId: gridId, personId, reason: '调岗到网格',
      });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body.account).toMatchObject({ role: 'worker', scopeGridId: gridId, personId });
      expect(ok.body.account.scopeGridName).toBeTruthy();
      expect(ok.body.sessionsEnded).toBe(1);
      expect((await call(base(), old, 'GET', '/api/auth/me')).status).toBe(401);
      expect(await within(sock.ended, 2000)).not.toBe('timeout');
      const again = await login(base(), 'zhao.move', old.password);
      expect(again.identity).toMatchObject({ role: 'worker', scopeGridId: gridId });
      const row = (await auditOf('account.role_change', made.account.id))[0];
      expect(row.detail).toMatchObject({ from: { role: 'dispatcher', scopeGridId: null }, to: { role: 'worker', scopeGridId: gridId } });
      // the same role and grid again: nothing to change
      const same = await call(base(), admin, 'POST', `/api/admin/accounts/${made.account.id}/role`, { role: 'worker', scopeGridId: gridId, reason: '重复' });
      expect([same.status, same.code]).toEqual([400, 'VALIDATION_ERROR']);
      // back to a street role: the grid is dropped; a street role with a grid is refused
      const withGrid = await call(base(), admin, 'POST', `/api/admin/accounts/${made.account.id}/role`, { role: 'planner', scopeGridId: gridId, reason: '回调' });
      expect([withGrid.code, withGrid.field]).toEqual(['VALIDATION_ERROR', 'body.scopeGridId']);
      const back = await call<AccountChangeAnswer>(base(), admin, 'POST', `/api/admin/accounts/${made.account.id}/role`, { role: 'planner', reason: '回调' });
      expect(back.body.account).toMatchObject({ role: 'planner', scopeGridId: null });
      sock.close();
    });

    it('refuses bad input with a stable code naming the field', async () => {
      const cases: Array<[string, string, unknown, string, string?]> = [
        ['POST', '/api/admin/accounts', { username: 'Bad Name', displayName: 'x', role: 'planner' }, 'VALIDATION_ERROR', 'body.username'],
        ['POST', '/api/admin/accounts', { username: 'ok.name', displayName: '', role: 'planner' }, 'VALIDATION_ERROR', 'body.displayName'],
        ['POST', '/api/admin/accounts', { username: 'ok.name', displayName: 'x', role: 'root' }, 'VALIDATION_ERROR', 'body.role'],
        ['POST', '/api/admin/accounts', { username: 'ok.name', displayName: 'x', role: 'worker' }, 'VALIDATION_ERROR', 'body.scopeGridId'],
        ['POST', '/api/admin/accounts', { username: 'ok.name', displayName: 'x', role: 'worker', scopeGridId: 987654 }, 'VALIDATION_ERROR', 'body.scopeGridId'],
        ['POST', '/api/admin/accounts', { username: 'ok.name', displayName: 'x', role: 'planner', personId: 987654 }, 'VALIDATION_ERROR', 'body.personId'],
        ['POST', '/api/admin/accounts', { username: 'ok.name', displayName: 'x', role: 'planner', password: 'chosen-by-me' }, 'VALIDATION_ERROR', 'body.password'],
        ['POST', '/api/admin/accounts', { username: 'chief_admin', displayName: 'x', role: 'planner' }, 'USERNAME_TAKEN', 'body.username'],
        ['POST', '/api/admin/accounts/999999/disable', { reason: '离职' }, 'NOT_FOUND', 'params.id'],
        ['POST', '/api/admin/accounts/abc/disable', { reason: '离职' }, 'VALIDATION_ERROR', 'params.id'],
        ['POST', '/api/admin/accounts/1/disable', {}, 'VALIDATION_ERROR', 'body.reason'],
        ['POST', '/api/admin/accounts/1/disable', { reason: ' ' }, 'VALIDATION_ERROR', 'body.reason'],
        ['POST', '/api/admin/accounts/1/reset-password', { reason: '忘记', password: 'x' }, 'VALIDATION_ERROR', 'body.password'],
        ['POST', '/api/admin/accounts/1/role', { role: 'admin' }, 'VALIDATION_ERROR', 'body.reason'],
      ];
      const wrong: string[] = [];
      for (const [method, path, body, code, field] of cases) {
        const a = await call(base(), admin, method, path, body);
        if (a.code !== code || (field && a.field !== field) || !a.message) wrong.push(`${method} ${path} ${JSON.stringify(body)} → ${a.status} ${a.code} ${a.field}`);
      }
      expect(wrong).toEqual([]);
      expect((await t.db.query(`SELECT 1 FROM users WHERE username = 'ok.name'`)).rows).toHaveLength(0);
    });

    it('an administrator cannot disable, demote or reset their own account', async () => {
      const id = admin.identity.userId;
      for (const [path, body] of [
        [`/api/admin/accounts/${id}/disable`, { reason: '测试' }],
        [`/api/admin/accounts/${id}/role`, { role: 'planner', reason: '测试' }],
        [`/api/admin/accounts/${id}/reset-password`, { reason: '测试' }],
      ] as const) {
        const a = await call(base(), admin, 'POST', path, body);
        expect([a.status, a.code], path).toEqual([409, 'OWN_ACCOUNT']);
        expect(a.message).toMatch(/another administrator/);
      }
      expect((await call(base(), admin, 'GET', '/api/auth/me')).status).toBe(200);
      expect(await auditOf('account.disable', id)).toHaveLength(0);
    });

    it('never leaves the street without an enabled administrator', async () => {
      // Two admins disabling each other at the same moment: exactly one wins, one enabled admin remains.
      const a1 = await create({ username: 'adm.one', displayName: '管理一', role: 'admin' });
      const a2 = await create({ username: 'adm.two', displayName: '管理二', role: 'admin' });
      const s1 = await firstSignIn(base(), 'adm.one', a1.password);
      const s2 = await firstSignIn(base(), 'adm.two', a2.password);
      // leave only these two enabled
      await t.db.query(`UPDATE users SET disabled = true WHERE role = 'admin' AND id NOT IN ($1, $2)`, [a1.account.id, a2.account.id]);
      const [r1, r2] = await Promise.all([
        call(base(), s1, 'POST', `/api/admin/accounts/${a2.account.id}/disable`, { reason: '互相停用' }),
        call(base(), s2, 'POST', `/api/admin/accounts/${a1.account.id}/disable`, { reason: '互相停用' }),
      ]);
      const statuses = [r1.status, r2.status].sort();
      expect(statuses[0]).toBe(200);
      expect([401, 409]).toContain(statuses[1]);
      const loser = r1.status === 200 ? r2 : r1;
      if (loser.status === 409) expect(loser.code).toBe('LAST_ADMIN');
      const enabled = await t.db.query(`SELECT id FROM users WHERE role = 'admin' AND NOT disabled`);
      expect(enabled.rows).toHaveLength(1);

      // The rule itself, without the race: an actor whose admin role was taken away while its request was in
      // flight tries to disable the one remaining admin.
      const remaining = Number((enabled.rows[0] as { id: number }).id);
      const staleActor: Identity = { userId: 999_999, username: 'gone', role: 'admin', displayName: 'x', personId: null, scopeGridId: null, sessionId: 'x' };
      await expect(setAccountDisabled(t.db, { identity: staleActor, ip: null }, remaining, true, '测试', srv.clock.now())).rejects.toMatchObject({ code: 'LAST_ADMIN' });
      const demoted = remaining === a1.account.id ? a2.account.id : a1.account.id;
      const plain = await t.db.query<{ id: number }>(
        `INSERT INTO users (username, password_hash, role, display_name) VALUES ('plain.target', 'x', 'planner', 'x') RETURNING id`,
      );
      const other = Number(plain.rows[0].id);
      await expect(setAccountDisabled(t.db, { identity: { ...staleActor, userId: demoted }, ip: null }, other, true, '测试', srv.clock.now())).rejects.toMatchObject({ code: 'FORBIDDEN' });
      // restore the original admin for the other tests
      await t.db.query(`UPDATE users SET disabled = false WHERE id = $1`, [admin.identity.userId]);
    });

    it('answers 403 FORBIDDEN to every role but admin on every account route, 401 without a session', async () => {
      const routes: Array<[string, string, unknown]> = [
        ['GET', '/api/admin/accounts', undefined],
        ['POST', '/api/admin/accounts', { username: 'x.y', displayName: 'x', role: 'planner' }],
        ['POST', '/api/admin/accounts/1/disable', { reason: '离职' }],
        ['POST', '/api/admin/accounts/1/enable', { reason: '返聘' }],
        ['POST', '/api/admin/accounts/1/reset-password', { reason: '忘记' }],
        ['POST', '/api/admin/accounts/1/role', { role: 'planner', reason: '调岗' }],
        ['GET', '/api/admin/grids', undefined],
        ['GET', '/api/admin/people', undefined],
      ];
      const wrong: string[] = [];
      for (const [method, path, body] of routes) {
        for (const role of USER_ROLES.filter((r) => r !== 'admin')) {
          const a = await call(base(), sessions.get(role)!, method, path, body);
          if (a.status !== 403 || a.code !== 'FORBIDDEN') wrong.push(`${role} ${method} ${path} → ${a.status} ${a.code}`);
        }
        const anon = await call(base(), null, method, path, body);
        if (anon.status !== 401 && anon.status !== 403) wrong.push(`anonymous ${method} ${path} → ${anon.status}`);
      }
      expect(wrong).toEqual([]);
      expect((await t.db.query(`SELECT 1 FROM users WHERE username = 'x.y'`)).rows).toHaveLength(0);
    });

    it('lists the grids and the people an account may be linked to', async () => {
      const grids = await call<{ grids: Array<{ id: number; name: string; communityName: string }> }>(base(), admin, 'GET', '/api/admin/grids');
      const n = Number((await t.db.query<{ n: number }>('SELECT count(*) AS n FROM grids')).rows[0].n);
      expect(grids.body.grids).toHaveLength(n);
      expect(grids.body.grids[0].communityName).toBeTruthy();
      const people = await call<{ people: Array<{ gridId: number | null }> }>(base(), admin, 'GET', `/api/admin/people?gridId=${gridId}`);
      expect(people.status).toBe(200);
      expect(people.body.people.every((p) => p.gridId === gridId)).toBe(true);
    });

    it('keeps the account DTO free of secrets', async () => {
      const page = await call<AccountPage>(base(), admin, 'GET', '/api/admin/accounts?pageSize=200');
      const keys = new Set(page.body.accounts.flatMap((a: AccountDto) => Object.keys(a)));
      expect([...keys].sort()).toEqual(
        ['activeSessions', 'createdAt', 'disabled', 'displayName', 'id', 'lastLoginAt', 'personId', 'personName', 'role', 'scopeGridId', 'scopeGridName', 'username'].sort(),
      );
    });
  });
}
