// Personal access tokens for desktop GIS clients (QGIS, GDAL's ogr2ogr) that cannot hold a browser session.
// A signed-in user creates one with a name and an expiry; the token is shown once, and the database keeps
// only its SHA-256 (like session tokens, server/auth/sessions.ts), so a database dump cannot be replayed.
// A request with `Authorization: Bearer <token>` (or HTTP Basic with the token as password) is that user, with the user's current role and grid scope,
// for reads only (GET/HEAD) of /ogc and /api/tiles: a token copied into a QGIS project cannot change data or
// open anything but the layers. Revoking is immediate
// (no cache); a disabled user's tokens stop at once.
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { Queryable } from '../db/db';
import { AppError } from '../../common/errors';
import type { UserRole } from '../../common/domain';
import type { Identity } from './identity';
import { hashToken, identityOfUser, type UserJoinColumns } from './sessions';

/** Every token starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_TOKEN_PREFIX = 'gcc_pat_';
const TOKEN_SHAPE = /^gcc_pat_[A-Za-z0-9_-]{43}$/;

/** Lifetime choices (days): default and longest. */
export const API_TOKEN_DEFAULT_DAYS = 90;
export const API_TOKEN_MAX_DAYS = 365;
/** Most unexpired, unrevoked tokens a user may hold (one per computer or project is plenty). */
export const API_TOKEN_MAX_ACTIVE = 20;
/** `last_used_at` is written at most this often per token (not one UPDATE per page a client reads). */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Roles that may create tokens: every desk role and grid workers; not the wall (a shared screen). */
export const API_TOKEN_ROLES: readonly UserRole[] = ['dispatcher', 'planner', 'leader', 'admin', 'worker'];

import type { ApiTokenInfo, NewApiToken } from '../../common/api-tokens';
export type { ApiTokenInfo, NewApiToken };

export type ApiTokenLookup =
  | { status: 'ok'; identity: Identity; tokenId: number }
  | { status: 'expired' | 'revoked' | 'none' };

/**
 * The access token of an `Authorization` header, or undefined when the header carries none:
 *   Bearer <token>                      what ogr2ogr (GDAL_HTTP_HEADERS / GDAL_HTTP_BEARER) and scripts send;
 *   Basic base64(<any name>:<token>)    what QGIS's "Basic" authentication and GDAL_HTTP_USERPWD send, since
 *                                       a desktop client's connection dialog asks for a user name and password.
 * Basic is accepted only with a token in the password place (it starts with gcc_pat_): an account's own
 * password never works here, so a QGIS project file can never hold the password of a person's account.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  // Not a token: answered as an unknown token (401 with how to make one), never tried as an account password.
  return password === '' ? undefined : password;
}

interface TokenRow {
  id: number;
  user_id: number;
  username: string;
  name: string;
  created_at: Date | string;
  expires_at: Date | string;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
}

const iso = (v: Date | string | null): string | null => (v == null ? null : new Date(v).toISOString());

function toInfo(r: TokenRow): ApiTokenInfo {
  return {
    id: r.id,
    userId: r.user_id,
    username: r.username,
    name: r.name,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at)!,
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
  };
}

/** Active tokens of a user now (not expired, not revoked). */
export async function activeTokenCount(q: Queryable, userId: number, now: Date): Promise<number> {
  const res = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2`,
    [userId, now],
  );
  return Number(res.rows[0]?.n ?? 0);
}

export async function createApiToken(q: Queryable, user: { id: number; username: string }, name: string, days: number, now: Date): Promise<NewApiToken> {
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + days * 86_400_000);
  const res = await q.query<TokenRow>(
    `INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
     RETURNING id, user_id, $6::text AS username, name, created_at, expires_at, revoked_at, last_used_at`,
    [user.id, name, hashToken(token), now, expiresAt, user.username],
  );
  return { ...toInfo(res.rows[0]), token };
}

/** Tokens of one user, or of everyone when `userId` is null (admin), newest first. Never the hash. */
export async function listApiTokens(q: Queryable, userId: number | null): Promise<ApiTokenInfo[]> {
  const res = await q.query<TokenRow>(
    `SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE ($1::int IS NULL OR t.user_id = $1)
      ORDER BY t.created_at DESC, t.id DESC`,
    [userId],
  );
  return res.rows.map(toInfo);
}

/**
 * Revokes token `id` if `byUserId` owns it (or `anyUser`, for an admin). Answers the token as it is now, or
 * undefined when there is no such token for this caller. Revoking twice keeps the first time.
 */
export async function revokeApiToken(q: Queryable, id: number, byUserId: number, anyUser: boolean, now: Date): Promise<ApiTokenInfo | undefined> {
  const res = await q.query<TokenRow>(
    `UPDATE api_tokens t SET revoked_at = COALESCE(t.revoked_at, $3)
       FROM users u
      WHERE t.id = $1 AND u.id = t.user_id AND ($4 OR t.user_id = $2)
      RETURNING t.id, t.user_id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at`,
    [id, byUserId, now, anyUser],
  );
  return res.rows[0] ? toInfo(res.rows[0]) : undefined;
}

/** Resolves a bearer token to its user's identity; notes the use at most once a minute. */
export async function lookupApiToken(q: Queryable, token: string, now: Date): Promise<ApiTokenLookup> {
  if (!TOKEN_SHAPE.test(token)) return { status: 'none' };
  const res = await q.query<UserJoinColumns & {
    id: number;
    expires_at: Date | string;
    revoked_at: Date | string | null;
    last_used_at: Date | string | null;
  }>(
    `SELECT t.id, t.expires_at, t.revoked_at, t.last_used_at, u.id AS user_id, u.username, u.role, u.display_name,
            u.person_id, u.scope_grid_id, u.disabled, u.must_change_password
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1`,
    [hashToken(token)],
  );
  const row = res.rows[0];
  if (!row || row.disabled) return { status: 'none' };
  if (row.revoked_at != null) return { status: 'revoked' };
  if (new Date(row.expires_at).getTime() <= now.getTime()) return { status: 'expired' };
  const last = row.last_used_at == null ? 0 : new Date(row.last_used_at).getTime();
  if (now.getTime() - last >= LAST_USED_RESOLUTION_MS) {
    await q.query(`UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, [row.id, now]);
  }
  // not a session: nothing to sign out, no CSRF token; the prefix keeps it apart from session ids
  const identity: Identity = Object.freeze(identityOfUser(row, `api-token:${row.id}`));
  return { status: 'ok', identity, tokenId: row.id };
}

const READ_METHODS = new Set(['GET', 'HEAD']);
/**
 * Where a token is accepted: the OGC API and the vector tiles a desktop GIS reads. Not the rest of /api —
 * a token left in a QGIS project must not open care-subject records or the case files of its owner.
 */
const TOKEN_PATHS: readonly RegExp[] = [/^\/ogc(\/|$)/, /^\/api\/tiles\//];

/**
 * The bearer half of the session middleware: sets `req.identity` from a valid token (reads only), or notes
 * why the token was not accepted so guarded routes answer TOKEN_EXPIRED / TOKEN_REVOKED / UNAUTHENTICATED.
 */
export async function authenticateBearer(q: Queryable, token: string, now: Date, req: Request): Promise<void> {
  if (!READ_METHODS.has(req.method)) {
    throw new AppError('FORBIDDEN', 'an access token can only read (GET); sign in on the web page to change data', 'header.authorization');
  }
  const path = req.originalUrl.split('?')[0];
  if (!TOKEN_PATHS.some((re) => re.test(path))) {
    throw new AppError('FORBIDDEN', 'an access token reads only the OGC API (/ogc) and vector tiles (/api/tiles); sign in on the web page for the rest', 'header.authorization');
  }
  const found = await lookupApiToken(q, token, now);
  if (found.status === 'ok') req.identity = found.identity;
  else req.authProblem = found.status === 'expired' ? 'TOKEN_EXPIRED' : found.status === 'revoked' ? 'TOKEN_REVOKED' : 'TOKEN_INVALID';
}
