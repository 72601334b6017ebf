// Starts the real app for a benchmark: a fresh server database (or PGlite), migrated, the real HTTP
// server on an ephemeral port, and a signed-in session — so benchmarks measure the path users take.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { Db } from '../server/db/db';
import { openPg } from '../server/db/pg-driver';
import { openPglite } from '../server/db/pglite-driver';
import { migrate } from '../server/db/migrate';
import { createApp, type App } from '../server/app';
import { testConfig, type Config } from '../server/config';
import { createLogger } from '../server/logger';
import { systemClock } from '../server/clock';
import { createUser } from '../server/auth/users';
import type { UserRole } from '../common/domain';

export interface BenchDb {
  db: Db;
  url?: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new, migrated database: on the server when `databaseUrl` is given, else in-memory PGlite. */
export async function benchDb(databaseUrl: string | undefined, label: string): Promise<BenchDb> {
  if (!databaseUrl) {
    const db = await openPglite({});
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const name = `gcc_bench_${label}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(databaseUrl, name);
  const db = await openPg({ connectionString: url, max: 20 });
  await migrate(db);
  return {
    db,
    url,
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export interface BenchApp {
  app: App;
  baseUrl: string;
  /** Headers of a signed-in user of the requested role (cookie, CSRF token, JSON content type). */
  headers: Record<string, string>;
  close(): Promise<void>;
}

export async function startBenchApp(db: Db, role: UserRole = 'admin', config: Partial<Config> = {}): Promise<BenchApp> {
  const app = await createApp({ db, config: testConfig(config), logger: createLogger('silent'), clock: systemClock });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  app.readiness.markInitialised();
  await app.start();
  const baseUrl = `http://127.0.0.1:${port}`;
  const username = `bench_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  await createUser(db, { username, password, role, displayName: 'Benchmark', personId: null, scopeGridId: null });
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`benchmark login failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string };
  const cookie = (res.headers.getSetCookie().find((c) => c.startsWith('gcc_session=')) ?? '').split(';')[0];
  return {
    app,
    baseUrl,
    headers: { cookie, 'x-csrf-token': body.csrfToken, 'content-type': 'application/json' },
    close: () => app.close(),
  };
}
