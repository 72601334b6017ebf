// /api/auth: sign in, sign out, who am I. Login failures are rate-limited per client address and username,
// and every login, failure and logout is written to the audit log.
import express, { Router, type Request } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { z } from 'zod';
import { AppError } from '../../common/errors';
import { parseOrThrow } from '../http/validate';
import { audit } from '../audit/audit';
import { actorOf, getIdentity, requireRole, type Identity } from './identity';
import { UsernameSchema } from './users';
import { consumePairingKey, issuePairingKey } from './wall-pairing';
import { burnVerifyTime, verifyPassword } from './passwords';
import { findUserByUsername } from './users';
import { createSession, deleteSession } from './sessions';
import { invalidateCachedSession } from './session-cache';
import { clearSessionCookie, setSessionCookie, type AuthContext } from './session-middleware';

export interface AuthRouteOptions {
  /** Failed logins allowed per (address, username) in `loginWindowMs` before 429 RATE_LIMITED. */
  loginFailuresPerWindow?: number;
  /** Failed logins allowed per address (any username) in `loginWindowMs`. */
  loginFailuresPerAddress?: number;
  loginWindowMs?: number;
  /** Called after a session is deleted (sign out): disconnects that session's sockets. */
  onSessionEnded?: (sessionId: string) => void;
}

const WallKeyBody = z.object({ wallUsername: UsernameSchema }).strict();
const PairQuery = z.object({ key: z.string().regex(/^[A-Za-z0-9_-]{20,64}$/, 'not a pairing key') }).strict();

const LoginBody = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(1024),
  })
  .strict();

/** What the client may know about the signed-in user (no hashes, no session id). */
export function publicIdentity(i: Identity) {
  return {
    userId: i.userId,
    username: i.username,
    role: i.role,
    displayName: i.displayName,
    personId: i.personId,
    scopeGridId: i.scopeGridId,
    /** The client shows the change-password dialog, and nothing else, while this is true. */
    mustChangePassword: i.mustChangePassword === true,
  };
}

function clientKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? 'unknown');
}

export function authRoutes(ctx: AuthContext, opts: AuthRouteOptions = {}): Router {
  const r = Router();
  const windowMs = opts.loginWindowMs ?? 15 * 60_000;
  const limited = (message: string) => (_req: Request, _res: unknown, next: (err: AppError) => void) =>
    next(new AppError('RATE_LIMITED', message));
  // Only failures count (skipSuccessfulRequests): a busy control room signing in many times is fine,
  // guessing passwords is not.
  const perUser = rateLimit({
    windowMs,
    limit: opts.loginFailuresPerWindow ?? 5,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => {
      const name = typeof req.body?.username === 'string' ? req.body.username.slice(0, 64).toLowerCase() : '';
      return `${clientKey(req)}|${name}`;
    },
    handler: limited('too many failed sign-ins for this account from this address; wait 15 minutes'),
  });
  const perAddress = rateLimit({
    windowMs,
    limit: opts.loginFailuresPerAddress ?? 50,
    skipSuccessfulRequests: true,
    standardHeaders: false,
    legacyHeaders: false,
    keyGenerator: clientKey,
    handler: limited('too many failed sign-ins from this address; wait 15 minutes'),
  });

  r.post('/login', express.json({ limit: '8kb' }), perAddress, perUser, async (req, res) => {
    const body = parseOrThrow(LoginBody, req.body, 'body');
    const username = body.username.toLowerCase();
    const user = await findUserByUsername(ctx.db, username);
    const ok = user && !user.disabled ? await verifyPassword(user.password_hash, body.password) : (await burnVerifyTime(body.password), false);
    if (!user || !ok) {
      await audit(ctx.db, { actor: 'anonymous', action: 'auth.login_failed', entityType: 'user', entityId: user?.id ?? null, detail: { username }, ip: req.ip });
      // same answer for unknown user, wrong password and disabled account: no account enumeration
      throw new AppError('UNAUTHENTICATED', 'wrong username or password', 'body.password');
    }
    const now = ctx.clock.now();
    const session = await ctx.db.transaction(async (tx) => {
      // a fresh token on every login (no session fixation); the old session of this browser ends
      if (req.authSession) await deleteSession(tx, req.authSession.id);
      const s = await createSession(tx, { id: user.id, role: user.role }, ctx.config, now);
      await audit(tx, { actor: `user:${user.id}`, action: 'auth.login', entityType: 'user', entityId: user.id, ip: req.ip });
      return s;
    });
    if (req.authSession) {
      invalidateCachedSession(ctx.db, req.authSession.id);
      opts.onSessionEnded?.(req.authSession.id);
    }
    setSessionCookie(res, ctx, session.token, user.role);
    const identity: Identity = {
      userId: user.id,
      username: user.username,
      role: user.role,
      displayName: user.display_name,
      personId: user.person_id,
      scopeGridId: user.scope_grid_id,
      sessionId: session.id,
      mustChangePassword: user.must_change_password === true,
    };
    res.json({ user: publicIdentity(identity), csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() });
  });

  r.post('/logout', async (req, res) => {
    const identity = getIdentity(req);
    const sessionId = identity.sessionId;
    await ctx.db.transaction(async (tx) => {
      await deleteSession(tx, sessionId);
      await audit(tx, { actor: actorOf(identity), action: 'auth.logout', entityType: 'user', entityId: identity.userId, ip: req.ip });
    });
    // after the commit: from now on this process refuses the session without waiting for the cache TTL
    invalidateCachedSession(ctx.db, sessionId);
    opts.onSessionEnded?.(sessionId);
    clearSessionCookie(res, ctx);
    res.status(204).end();
  });

  // An admin issues a one-time key for a wall account; the display opens pairUrl once (see wall-pairing.ts).
  r.post('/wall-keys', requireRole('admin'), express.json({ limit: '4kb' }), async (req, res) => {
    const identity = getIdentity(req);
    const body = parseOrThrow(WallKeyBody, req.body, 'body');
    const issued = await ctx.db.transaction(async (tx) => {
      const k = await issuePairingKey(tx, body.wallUsername, identity.userId, ctx.clock.now());
      await audit(tx, { actor: actorOf(identity), action: 'auth.wall_key_issued', entityType: 'user', entityId: k.userId, ip: req.ip });
      return k;
    });
    res.status(201).json({ key: issued.key, pairUrl: `/api/auth/pair?key=${issued.key}`, expiresAt: issued.expiresAt.toISOString() });
  });

  r.get('/pair', perAddress, async (req, res) => {
    const q = parseOrThrow(PairQuery, req.query, 'query');
    const now = ctx.clock.now();
    const session = await ctx.db.transaction(async (tx) => {
      const userId = await consumePairingKey(tx, q.key, now);
      if (userId === undefined) return undefined;
      const s = await createSession(tx, { id: userId, role: 'wall' }, ctx.config, now);
      await audit(tx, { actor: `user:${userId}`, action: 'auth.wall_paired', entityType: 'user', entityId: userId, ip: req.ip });
      return s;
    });
    if (!session) throw new AppError('UNAUTHENTICATED', 'this pairing key is unknown, used or expired: ask an administrator for a new one', 'query.key');
    setSessionCookie(res, ctx, session.token, 'wall');
    res.set('Cache-Control', 'no-store');
    res.redirect(303, '/wall');
  });

  r.get('/me', (req, res) => {
    const identity = getIdentity(req);
    const session = req.authSession;
    if (!session) throw new AppError('UNAUTHENTICATED', 'sign in first: this request has no valid session');
    res.set('Cache-Control', 'no-store');
    res.json({ user: publicIdentity(identity), csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() });
  });

  return r;
}
