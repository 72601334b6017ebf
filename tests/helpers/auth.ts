// Test helpers for identity: create a user of a role and sign in through the real HTTP route, and start
// the real app on an ephemeral port. Every request helper returns what a browser would send.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Db } from '../../server/db/db';
import type { UserRole } from '../../common/domain';
import { createUser } from '../../server/auth/users';
import { createApp, type App } from '../../server/app';
import { testConfig, type Config } from '../../server/config';
import { createLogger } from '../../server/logger';
import { ManualClock, type Clock } from '../../server/clock';

export interface PublicIdentity {
  userId: number;
  username: string;
  role: UserRole;
  displayName: string;
  personId: number | null;
  scopeGridId: number | null;
  /** An administrator set the password (created or reset): only /api/auth/{me,password,logout} answer. */
  mustChangePassword?: boolean;
}

export interface Session {
  /** Value for a Cookie header ("gcc_session=…"). */
  cookie: string;
  csrf: string;
  identity: PublicIdentity;
  username: string;
  password: string;
  /** Headers for a JSON write: cookie, X-CSRF-Token and content type. */
  headers: Record<string, string>;
}

export interface LoginOptions {
  username?: string;
  password?: string;
  displayName?: string;
  personId?: number | null;
  /** For role 'worker': the grid it may see; defaults to the first grid in the database (if any). */
  scopeGridId?: number | null;
}

/** Creates a user with `role` in `db` and signs in via POST /api/auth/login on `baseUrl`. */
export async function loginAs(baseUrl: string, db: Db, role: UserRole, opts: LoginOptions = {}): Promise<Session> {
  const username = opts.username ?? `${role}_${randomBytes(4).toString('hex')}`;
  const password = opts.password ?? randomBytes(12).toString('base64url');
  let scopeGridId = opts.scopeGridId;
  if (role === 'worker' && scopeGridId === undefined) {
    const g = await db.query<{ id: number }>('SELECT id FROM grids ORDER BY id LIMIT 1');
    scopeGridId = g.rows[0]?.id ?? null;
  }
  await createUser(db, {
    username,
    password,
    role,
    displayName: opts.displayName ?? `Test ${role}`,
    personId: opts.personId ?? null,
    scopeGridId: scopeGridId ?? null,
  });
  return login(baseUrl, username, password);
}

/** Signs in an existing user through the real route. */
export async function login(baseUrl: string, username: string, password: string): Promise<Session> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: PublicIdentity; csrfToken: string };
  const setCookie = res.headers.getSetCookie().find((c) => c.includes('gcc_session='));
  if (!setCookie) throw new Error('login answered without a session cookie');
  const cookie = setCookie.split(';')[0];
  return {
    cookie,
    csrf: body.csrfToken,
    identity: body.user,
    username,
    password,
    headers: { cookie, 'x-csrf-token': body.csrfToken, 'content-type': 'application/json' },
  };
}

/** Socket.IO client options that carry the session cookie (node clients send no cookie jar of their own). */
export function socketAuth(session: Pick<Session, 'cookie'>): { extraHeaders: Record<string, string>; transports: string[] } {
  return { extraHeaders: { cookie: session.cookie }, transports: ['websocket'] };
}

export interface TestApp {
  app: App;
  baseUrl: string;
  clock: Clock;
  close(): Promise<void>;
}

/** The real app on 127.0.0.1:<ephemeral>, initialised (readiness on) and started. */
export async function startTestApp(db: Db, opts: { config?: Partial<Config>; clock?: Clock; start?: boolean } = {}): Promise<TestApp> {
  const clock = opts.clock ?? new ManualClock(new Date());
  // Staged uploads go to a folder of this app's own, removed on close, unless the test shares one between
  // instances (then it is the test's to remove).
  const ownStageDir = opts.config?.IMPORT_STAGE_DIR ? null : await mkdtemp(path.join(tmpdir(), 'gcc-test-stages-'));
  const config = testConfig({ ...opts.config, ...(ownStageDir ? { IMPORT_STAGE_DIR: ownStageDir } : {}) });
  const app = await createApp({ db, config, logger: createLogger('silent'), clock });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  app.readiness.markInitialised();
  if (opts.start !== false) await app.start();
  const close = async () => {
    await app.close();
    if (ownStageDir) await rm(ownStageDir, { recursive: true, force: true });
  };
  return { app, baseUrl: `http://127.0.0.1:${port}`, clock, close };
}

/**
 * POST /api/auth/password as `s`. The server renews the session on success (server/auth/own-password.ts): the
 * Session returned carries the new cookie, the new CSRF token and the new password; `s` no longer works.
 */
export async function changeOwnPassword(baseUrl: string, s: Session, newPassword: string): Promise<Session> {
  const res = await fetch(`${baseUrl}/api/auth/password`, {
    method: 'POST',
    headers: s.headers,
    body: JSON.stringify({ currentPassword: s.password, newPassword }),
  });
  if (res.status !== 200) throw new Error(`changing the password of ${s.username} failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string };
  const setCookie = res.headers.getSetCookie().find((c) => c.includes('gcc_session='));
  if (!setCookie) throw new Error('the password change answered without a renewed session cookie');
  const cookie = setCookie.split(';')[0];
  return {
    ...s,
    cookie,
    csrf: body.csrfToken,
    password: newPassword,
    identity: { ...s.identity, mustChangePassword: false },
    headers: { cookie, 'x-csrf-token': body.csrfToken, 'content-type': 'application/json' },
  };
}

/**
 * The first sign-in of an account an administrator created or reset: the one-time password only lets its
 * person choose their own (PASSWORD_CHANGE_REQUIRED otherwise), as the browser makes them do first.
 */
export async function firstSignIn(baseUrl: string, username: string, oneTimePassword: string, newPassword = `${username} own passphrase`): Promise<Session> {
  const s = await login(baseUrl, username, oneTimePassword);
  if (!s.identity.mustChangePassword) throw new Error(`${username} signed in with a one-time password but was not asked to change it`);
  return changeOwnPassword(baseUrl, s, newPassword);
}
