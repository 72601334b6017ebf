// Sets `req.identity` from the session cookie, and refuses cookie-authenticated writes that lack the
// session's CSRF token (X-CSRF-Token header) or come from a foreign Origin.
import type { RequestHandler, Response } from 'express';
import type { Db } from '../db/db';
import type { Config } from '../config';
import type { Clock } from '../clock';
import { AppError } from '../../common/errors';
import { configuredOrigins, isOriginAllowed } from '../security/origins';
import { constantTimeEqual, lookupSession, readCookie, sessionCookieName, sessionTtlMs } from './sessions';
import { sessionCacheOf } from './session-cache';
import { authenticateBearer, bearerToken } from './api-tokens';
import type { UserRole } from '../../common/domain';
import { gateRequest } from './password-change-gate';

export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Paths under /api that take no session CSRF token (they create the session). */
const CSRF_EXEMPT_PATHS = new Set(['/auth/login', '/auth/pair']);

export interface AuthContext {
  db: Db;
  config: Config;
  clock: Clock;
}

export function setSessionCookie(res: Response, ctx: AuthContext, token: string, role: UserRole): void {
  res.cookie(sessionCookieName(ctx.config), token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.config.COOKIE_SECURE === 'true',
    path: '/',
    maxAge: sessionTtlMs(role, ctx.config),
  });
}

export function clearSessionCookie(res: Response, ctx: AuthContext): void {
  res.clearCookie(sessionCookieName(ctx.config), {
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.config.COOKIE_SECURE === 'true',
    path: '/',
  });
}

export function sessionMiddleware(ctx: AuthContext): RequestHandler {
  const cookieName = sessionCookieName(ctx.config);
  const cache = sessionCacheOf(ctx.db);
  return async (req, res, next) => {
    // A desktop client's personal access token (server/auth/api-tokens.ts) stands instead of the cookie.
    const bearer = bearerToken(req.headers.authorization);
    if (bearer !== undefined) return authenticateBearer(ctx.db, bearer, ctx.clock.now(), req).then(() => next(gateRequest(req.identity, req)), next);
    const token = readCookie(req.headers.cookie, cookieName);
    if (!token) return next();
    try {
      const found = await lookupSession(ctx.db, token, ctx.config, ctx.clock.now(), cache);
      if (found.status === 'ok') {
        req.identity = found.identity;
        req.authSession = found.session;
        if (found.renewed) setSessionCookie(res, ctx, token, found.identity.role);
      } else if (found.status === 'expired') {
        req.authProblem = 'SESSION_EXPIRED';
      }
      next(gateRequest(req.identity, req));
    } catch (err) {
      next(err);
    }
  };
}

/**
 * CSRF defence for cookie-authenticated writes (OWASP: synchronizer token + Origin verification, on top of
 * SameSite=Strict): every POST/PUT/PATCH/DELETE from a foreign Origin is refused, and one that carries a
 * valid session must also carry that session's token in X-CSRF-Token.
 */
export function csrfMiddleware(ctx: AuthContext): RequestHandler {
  const allowed = configuredOrigins(ctx.config);
  return (req, _res, next) => {
    if (!UNSAFE_METHODS.has(req.method)) return next();
    if (!isOriginAllowed(req.get('origin'), req.get('host'), allowed)) {
      return next(new AppError('CSRF_FAILED', `requests from origin ${req.get('origin')} are not allowed`, 'header.origin'));
    }
    if (req.get('sec-fetch-site') === 'cross-site') {
      return next(new AppError('CSRF_FAILED', 'cross-site requests are not allowed', 'header.sec-fetch-site'));
    }
    // Signing in (maybe as someone else) needs no token of the old session; login CSRF is stopped by the
    // Origin check above and SameSite=Strict.
    if (req.authSession && !CSRF_EXEMPT_PATHS.has(req.path)) {
      const sent = req.get(CSRF_HEADER);
      if (!sent || !constantTimeEqual(sent, req.authSession.csrfToken)) {
        return next(
          new AppError('CSRF_FAILED', 'missing or wrong X-CSRF-Token header: use the csrfToken from /api/auth/me', 'header.x-csrf-token'),
        );
      }
    }
    next();
  };
}
