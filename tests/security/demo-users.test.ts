// Demo accounts: created at start-up when SEED_SAMPLE=true, passwords generated and shown once (or taken
// from DEMO_PASSWORD), stored only as argon2id hashes; a second start creates nothing. Expired sessions are purged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { login, loginAs, startTestApp, type TestApp } from '../helpers/auth';
import { DEMO_USERS, ensureDemoUsers, printDemoUsers } from '../../server/auth/demo-users';
import { purgeExpiredSessions } from '../../server/auth/sessions';

for (const backend of backends()) {
  describe(`demo users and session housekeeping (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    beforeAll(async () => {
      t = await freshDb(backend, 'empty');
      srv = await startTestApp(t.db);
    });
    afterAll(async () => {
      await srv.close();
      await t.drop();
    });

    it('creates one account per role with a generated password shown once, and nothing on the next start', async () => {
      const created = await ensureDemoUsers(t.db, undefined);
      expect(created.map((c) => c.role).sort()).toEqual(['admin', 'dispatcher', 'leader', 'planner', 'wall']);
      const lines: string[] = [];
      printDemoUsers(created, (l) => lines.push(l));
      for (const c of created) {
        expect(c.password).toMatch(/^[A-Za-z0-9_-]{12}$/);
        expect(lines.join('\n')).toContain(c.password!);
        const s = await login(srv.baseUrl, c.username, c.password!);
        expect(s.identity.role).toBe(c.role);
      }
      const hashes = await t.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE username = ANY($1::text[])', [DEMO_USERS.map((u) => u.username)]);
      for (const h of hashes.rows) expect(h.password_hash).toMatch(/^\$argon2id\$/);
      expect(await ensureDemoUsers(t.db, undefined)).toEqual([]);
    });

    it('uses DEMO_PASSWORD when given and never echoes it', async () => {
      await t.db.query(`DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = 'planner')`);
      await t.db.query(`DELETE FROM users WHERE username = 'planner'`);
      const created = await ensureDemoUsers(t.db, 'demo-pass-2026');
      expect(created).toEqual([{ username: 'planner', role: 'planner' }]);
      expect((await login(srv.baseUrl, 'planner', 'demo-pass-2026')).identity.role).toBe('planner');
    });

    it('purges sessions that expired more than a day ago and keeps the rest', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'dispatcher');
      const now = srv.clock.now();
      const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions');
      expect(await purgeExpiredSessions(t.db, now)).toBe(0);
      // 12 h sessions: two days on, the dispatcher's is gone; the 90-day wall sessions stay
      const purged = await purgeExpiredSessions(t.db, new Date(now.getTime() + 2 * 86_400_000));
      expect(purged).toBeGreaterThanOrEqual(1);
      const after = await t.db.query<{ n: number; wall: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE u.role = 'wall')::int AS wall FROM sessions s JOIN users u ON u.id = s.user_id`,
      );
      expect(after.rows[0].n).toBe(before.rows[0].n - purged);
      expect(after.rows[0].wall).toBeGreaterThanOrEqual(1);
      // the purged session is simply gone
      expect((await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { cookie: s.cookie } })).status).toBe(401);
    });
  });
}
