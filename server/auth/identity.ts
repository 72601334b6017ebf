// Who is calling. The authentication middleware (server/auth/session-middleware.ts) sets `req.identity`
// from the session cookie; routes state which roles may call them with `requireRole`.
import type { RequestHandler, Request } from 'express';
import { USER_ROLES, type UserRole } from '../../common/domain';
import { AppError } from '../../common/errors';

export interface Identity {
  userId: number;
  username: string;
  role: UserRole;
  displayName: string;
  /** The person record (grid worker, leader …) this login belongs to, if any. */
  personId: number | null;
  /** A grid worker sees and acts on their own grid only. */
  scopeGridId: number | null;
  sessionId: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    identity?: Identity;
    /** The session behind `identity` (CSRF token, expiry); set by the session middleware. */
    authSession?: { id: string; csrfToken: string; expiresAt: Date };
    /** Set when a session cookie was sent but its session has expired: answers say SESSION_EXPIRED. */
    authProblem?: 'SESSION_EXPIRED';
  }
}

/**
 * Marker on handlers made by requireRole: the route-permission test (tests/security) reads it from the
 * Express router stack, so every new route is covered without a hand-kept list.
 */
export const ROLES_META = Symbol.for('gcc.allowedRoles');
export type RoleGuard = RequestHandler & { [ROLES_META]: readonly UserRole[] };

function noIdentityError(req: Request): AppError {
  return req.authProblem === 'SESSION_EXPIRED'
    ? new AppError('SESSION_EXPIRED', 'your session has expired: sign in again')
    : new AppError('UNAUTHENTICATED', 'sign in first: this request has no valid session');
}

/** Actor id written to events and the audit log ("user:12"); "system:<job>" for background jobs. */
export function actorOf(identity: Identity): string {
  return `user:${identity.userId}`;
}

export function getIdentity(req: Request): Identity {
  if (!req.identity) throw noIdentityError(req);
  return req.identity;
}

/** Allows the request only for the listed roles (admin is not implied: list it where it applies). */
export function requireRole(...roles: UserRole[]): RoleGuard {
  const guard: RequestHandler = (req, _res, next) => {
    const identity = req.identity;
    if (!identity) return next(noIdentityError(req));
    if (!roles.includes(identity.role)) {
      return next(new AppError('FORBIDDEN', `role "${identity.role}" may not do this; allowed: ${roles.join(', ')}`));
    }
    next();
  };
  return Object.assign(guard, { [ROLES_META]: Object.freeze([...roles]) });
}

/** Any signed-in identity (every role, wall included). */
export function requireSignedIn(): RoleGuard {
  return requireRole(...USER_ROLES);
}
