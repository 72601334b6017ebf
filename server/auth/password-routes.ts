// POST /api/auth/password {currentPassword, newPassword}: change one's own password, from a signed-in browser
// session of any role (an access token cannot: it is GET-only and a stolen one must not take the account).
// Wrong current passwords are rate-limited per account like failed sign-ins (5 / 15 min, in memory per
// process), so a session left open at an unattended desk cannot be used to guess the password.
import express, { Router, type Request, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AppError } from '../../common/errors';
import { changePasswordSchema, type ChangePasswordAnswer } from '../../common/password';
import { parseOrThrow } from '../http/validate';
import { getIdentity } from './identity';
import { setSessionCookie, type AuthContext } from './session-middleware';
import type { SessionRevoker } from './session-revocation';
import { changeOwnPassword } from './own-password';

export interface PasswordRouteOptions {
  /** Wrong current passwords allowed per account in `windowMs` before 429 RATE_LIMITED. */
  failuresPerWindow?: number;
  windowMs?: number;
}

/** Marks the answer as a wrong guess: only those count against the limit (a weak new password does not). */
const WRONG_GUESS = 'gccWrongPassword';

/** The caller must be signed in with a browser session (401 first, so no body is looked at before). */
const browserSession: RequestHandler = (req, _res, next) => {
  getIdentity(req);
  if (!req.authSession) return next(new AppError('FORBIDDEN', 'change your password from a signed-in browser session, not with an access token'));
  next();
};

export function passwordRoutes(ctx: AuthContext, sessions: SessionRevoker, opts: PasswordRouteOptions = {}): Router {
  const r = Router();
  const windowMs = opts.windowMs ?? 15 * 60_000;
  const perAccount = rateLimit({
    windowMs,
    limit: opts.failuresPerWindow ?? 5,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.locals[WRONG_GUESS] !== true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req: Request) => `user:${req.identity?.userId ?? 0}`,
    handler: (_req, _res, next) => next(new AppError('RATE_LIMITED', 'too many wrong current passwords for this account; wait 15 minutes', 'body.currentPassword')),
  });

  r.post('/', browserSession, perAccount, express.json({ limit: '8kb' }), async (req, res) => {
    const identity = getIdentity(req);
    const body = parseOrThrow(changePasswordSchema, req.body, 'body');
    let change;
    try {
      change = await changeOwnPassword(ctx.db, { identity, ip: req.ip ?? null }, body, ctx.config, ctx.clock.now());
    } catch (err) {
      if (err instanceof AppError && err.code === 'WRONG_PASSWORD') res.locals[WRONG_GUESS] = true;
      throw err;
    }
    // the other devices (and this browser's old token) are signed out on every process before the person is
    // told it is done; this browser carries on with the new cookie and CSRF token
    await sessions.endSessions(change.endedSessionIds);
    setSessionCookie(res, ctx, change.session.token, identity.role);
    const answer: ChangePasswordAnswer = { changed: true, otherSessionsEnded: change.otherSessionsEnded, csrfToken: change.session.csrfToken };
    res.set('Cache-Control', 'no-store');
    res.json(answer);
  });
  return r;
}
