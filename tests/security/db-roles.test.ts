// The audit log and the event stream are append-only: the trigger from migration 001 refuses UPDATE and
// DELETE on every backend, and in server mode the application's database role (set up by
// scripts/db-roles.sql) is refused by permissions too — it is not the owner and cannot drop the trigger.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { migrate } from '../../server/db/migrate';
import { openPg } from '../../server/db/pg-driver';
import { audit } from '../../server/audit/audit';
import { appendEvent } from '../../server/events/append-event';

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; hint?: string }> {
  try {
    await p;
    return {};
  } catch (e) {
    return e as { code?: string; hint?: string };
  }
}

for (const backend of backends()) {
  describe(`append-only history (${backend})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await freshDb(backend, 'empty');
      await audit(t.db, { actor: 'test', action: 'test.write', entityType: 'x', entityId: 1 });
    });
    afterAll(() => t.drop());

    it('refuses UPDATE and DELETE on audit_log and events even for the owner (trigger)', async () => {
      await t.db.transaction((tx) => appendEvent(tx, { type: 'test.event', entityType: 'x', entityId: '1', actor: 'test', payload: {} }));
      for (const sql of ['UPDATE audit_log SET actor = $1', 'DELETE FROM audit_log WHERE actor <> $1', 'UPDATE events SET actor = $1', 'DELETE FROM events WHERE actor <> $1']) {
        const err = await errorOf(t.db.query(sql, ['x']));
        expect(err.hint, sql).toBe('APPEND_ONLY');
      }
      const rows = await t.db.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE action = 'test.write'`);
      expect(rows.rows).toEqual([{ actor: 'test' }]);
    });
  });
}

describe.runIf(Boolean(process.env.DATABASE_URL))('server mode application role (pg)', () => {
  let t: TestDb;
  const role = `gcc_app_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let owner: pg.Client;
  let appUrl: string;
  beforeAll(async () => {
    t = await freshDb('pg', 'empty');
    await migrate(t.db); // as the owner, in case a migration was added after the template was built
    owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    await owner.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await owner.query(`SET gcc.app_role = '${role}'`);
    await owner.query(await readFile('scripts/db-roles.sql', 'utf8'));
    await audit(t.db, { actor: 'owner', action: 'test.write' });
    const u = new URL(t.url!);
    u.username = role;
    u.password = password;
    appUrl = u.toString();
  });
  afterAll(async () => {
    await owner.end().catch(() => undefined);
    await t.drop();
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it('lets the app role read, insert and run the server start-up, but never change or drop history', async () => {
    const app = await openPg({ connectionString: appUrl });
    try {
      // start-up path works as the app role: migrations already applied → nothing to do
      expect(await migrate(app)).toEqual([]);
      await audit(app, { actor: 'user:1', action: 'test.app_write' });
      const seen = await app.query(`SELECT count(*)::int AS n FROM audit_log`);
      expect((seen.rows[0] as { n: number }).n).toBe(2);
      for (const sql of [
        'UPDATE audit_log SET actor = $1',
        'DELETE FROM audit_log WHERE actor <> $1',
        'UPDATE events SET actor = $1',
        'DELETE FROM events WHERE actor <> $1',
      ]) {
        const err = await errorOf(app.query(sql, ['x']));
        expect(err.code, sql).toBe('42501'); // insufficient_privilege: refused before the trigger
      }
      for (const sql of ['TRUNCATE audit_log', 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only', 'DROP TRIGGER audit_log_append_only ON audit_log', 'DROP TABLE audit_log', 'DROP TABLE events']) {
        const err = await errorOf(app.query(sql));
        expect(err.code, sql).toBe('42501');
      }
      const after = await t.db.query<{ actor: string }>(`SELECT actor FROM audit_log ORDER BY id`);
      expect(after.rows.map((r) => r.actor)).toEqual(['owner', 'user:1']);
    } finally {
      await app.close();
    }
  });
});
