// Server-side sessions. The browser holds a random token in an httpOnly SameSite=Strict cookie; the database
// keeps only its sha256 (sessions.id), so a leaked database dump cannot be replayed as a login.
// Wall displays get long sessions with sliding renewal; every other role gets a fixed SESSION_TTL_HOURS.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/db';
import type { Config } from '../config';
import type { UserRole } from '../../common/domain';
import type { Identity } from './identity';
import type { SessionCache } from './session-cache';

export const SESSION_COOKIE = 'gcc_session';
/** With Secure cookies the __Host- prefix also pins the cookie to this host and path "/". */
export function sessionCookieName(config: Pick<Config, 'COOKIE_SECURE'>): string {
  return config.COOKIE_SECURE === 'true' ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

/** A wall session is renewed at most this often (one UPDATE per hour per display, not per request). */
export const WALL_RENEW_INTERVAL_MS = 60 * 60 * 1000;

export interface SessionInfo {
  id: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface NewSession extends SessionInfo {
  /** The cookie value; never stored. */
  token: string;
}

export type SessionLookup =
  | { status: 'ok'; identity: Identity; session: SessionInfo; renewed: boolean }
  | { status: 'expired' }
  | { status: 'none' };

/** A grid worker's phone is a personal device that signs in once (issue 13, SECURITY.md "Device sessions"). */
export const WORKER_DEVICE_SESSION_DAYS = 30;

export function sessionTtlMs(role: UserRole, config: Pick<Config, 'SESSION_TTL_HOURS' | 'WALL_SESSION_TTL_DAYS'>): number {
  if (role === 'worker') return WORKER_DEVICE_SESSION_DAYS * 86_400_000;
  return role === 'wall' ? config.WALL_SESSION_TTL_DAYS * 86_400_000 : config.SESSION_TTL_HOURS * 3_600_000;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

export async function createSession(
  q: Queryable,
  user: { id: number; role: UserRole },
  config: Pick<Config, 'SESSION_TTL_HOURS' | 'WALL_SESSION_TTL_DAYS'>,
  now: Date,
): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const id = hashToken(token);
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + sessionTtlMs(user.role, config));
  await q.query(
    `INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)`,
    [id, user.id, csrfToken, now, expiresAt],
  );
  return { id, token, csrfToken, expiresAt };
}

/** The user's columns a credential (session, access token) is joined to: who the request is. */
export interface UserJoinColumns {
  user_id: number;
  username: string;
  role: UserRole;
  display_name: string;
  person_id: number | null;
  scope_grid_id: number | null;
  disabled: boolean;
  must_change_password: boolean;
}

/** The identity of a user row, under the credential id `sessionId`. */
export function identityOfUser(r: UserJoinColumns, sessionId: string): Identity {
  return {
    userId: r.user_id,
    username: r.username,
    role: r.role,
    displayName: r.display_name,
    personId: r.person_id,
    scopeGridId: r.scope_grid_id,
    sessionId,
    mustChangePassword: r.must_change_password === true,
  };
}

interface SessionJoinRow extends UserJoinColumns {
  id: string;
  csrf_token: string;
  expires_at: Date | string;
  last_seen_at: Date | string;
}

function toIdentity(r: SessionJoinRow): Identity {
  return identityOfUser(r, r.id);
}

/**
 * Resolves a cookie token to an identity; renews wall sessions (sliding) at most once per hour. With a
 * `cache`, a session resolved less than its TTL ago is answered from memory, except when it has reached its
 * expiry time by `now` or is a wall session due for renewal: those always ask the database.
 */
export async function lookupSession(
  q: Queryable,
  token: string,
  config: Pick<Config, 'SESSION_TTL_HOURS' | 'WALL_SESSION_TTL_DAYS'>,
  now: Date,
  cache?: SessionCache,
): Promise<SessionLookup> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { status: 'none' };
  const id = hashToken(token);
  const nowMs = now.getTime();
  const hit = cache?.get(id, nowMs);
  if (
    hit &&
    hit.session.expiresAt.getTime() > nowMs &&
    !(hit.identity.role === 'wall' && nowMs - hit.lastSeenAt >= WALL_RENEW_INTERVAL_MS)
  ) {
    return { status: 'ok', identity: hit.identity, session: hit.session, renewed: false };
  }
  const res = await q.query<SessionJoinRow>(
    `SELECT s.id, s.csrf_token, s.expires_at, s.last_seen_at, u.id AS user_id, u.username, u.role,
            u.display_name, u.person_id, u.scope_grid_id, u.disabled, u.must_change_password
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = $1`,
    [id],
  );
  const row = res.rows[0];
  if (!row || row.disabled) return { status: 'none' };
  let expiresAt = new Date(row.expires_at);
  if (expiresAt.getTime() <= now.getTime()) return { status: 'expired' };
  let renewed = false;
  let lastSeenAt = new Date(row.last_seen_at).getTime();
  if (row.role === 'wall' && now.getTime() - lastSeenAt >= WALL_RENEW_INTERVAL_MS) {
    expiresAt = new Date(now.getTime() + sessionTtlMs('wall', config));
    await q.query(`UPDATE sessions SET expires_at = $2, last_seen_at = $3 WHERE id = $1`, [id, expiresAt, now]);
    renewed = true;
    lastSeenAt = now.getTime();
  }
  // frozen: a cached entry is shared by every request of the session until it is dropped
  const identity = Object.freeze(toIdentity(row));
  const session: SessionInfo = Object.freeze({ id, csrfToken: row.csrf_token, expiresAt });
  cache?.set(id, { identity, session, lastSeenAt, cachedAt: nowMs });
  return { status: 'ok', identity, session, renewed };
}

export async function deleteSession(q: Queryable, sessionId: string): Promise<void> {
  await q.query(`DELETE FROM sessions WHERE id = $1`, [sessionId]);
}

/**
 * Deletes every session of a user (account disabled, role or scope changed, password reset) and returns their
 * ids, so the caller can end them in every process's cache and disconnect their sockets after the commit.
 */
export async function deleteUserSessions(q: Queryable, userId: number): Promise<string[]> {
  const res = await q.query<{ id: string }>(`DELETE FROM sessions WHERE user_id = $1 RETURNING id`, [userId]);
  return res.rows.map((r) => r.id);
}

/** Deletes sessions that expired more than a day ago (kept a day so a late request still says SESSION_EXPIRED). */
export async function purgeExpiredSessions(q: Queryable, now: Date): Promise<number> {
  const res = await q.query(`DELETE FROM sessions WHERE expires_at < $1`, [new Date(now.getTime() - 86_400_000)]);
  return res.rowCount;
}

/** Of the given session ids, those still valid now (not expired, not deleted, user not disabled). */
export async function liveSessionIds(q: Queryable, ids: readonly string[], now: Date): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await q.query<{ id: string }>(
    `SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = ANY($1::text[]) AND s.expires_at > $2 AND NOT u.disabled`,
    [ids, now],
  );
  return new Set(res.rows.map((r) => r.id));
}

/** Extends wall sessions that still have a connected display (sockets do not send HTTP requests). */
export async function renewWallSessions(
  q: Queryable,
  ids: readonly string[],
  config: Pick<Config, 'WALL_SESSION_TTL_DAYS'>,
  now: Date,
): Promise<void> {
  if (ids.length === 0) return;
  const expiresAt = new Date(now.getTime() + config.WALL_SESSION_TTL_DAYS * 86_400_000);
  await q.query(
    `UPDATE sessions s SET expires_at = $2, last_seen_at = $3 FROM users u
      WHERE s.id = ANY($1::text[]) AND u.id = s.user_id AND u.role = 'wall' AND s.expires_at > $3
        AND s.last_seen_at <= $4`,
    [ids, expiresAt, now, new Date(now.getTime() - WALL_RENEW_INTERVAL_MS)],
  );
}

/** Reads one cookie from a Cookie header (RFC 6265 §5.4: "; "-separated name=value pairs). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}
