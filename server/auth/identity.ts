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
  /**
   * The account's password was set by an administrator (created or reset) and not yet replaced by its person:
   * the credential may only change it (server/auth/password-change-gate.ts). Optional so identities built by
   * hand (tests, background jobs) need not name it; absent means false.
   */
  mustChangePassword?: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    identity?: Identity;
    /** The session behind `identity` (CSRF token, expiry); set by the session middleware. */
    authSession?: { id: string; csrfToken: string; expiresAt: Date };
    /**
     * Why the credential sent was not accepted: an expired session cookie (SESSION_EXPIRED), or a bearer
     * token that expired, was revoked, or is unknown (server/auth/api-tokens.ts).
     */
    authProblem?: 'SESSION_EXPIRED' | 'TOKEN_EXPIRED' | 'TOKEN_REVOKED' | 'TOKEN_INVALID';
  }
}

/**
 * Marker on handlers made by requireRole: the route-permission test (tests/security) reads it from the
 * Express router stack, so every new route is covered without a hand-kept list.
 */
export const ROLES_META = Symbol.for('gcc.allowedRoles');
export type RoleGuard = RequestHandler & { [ROLES_META]: readonly UserRole[] };

function noIdentityError(req: Request): AppError {
  switch (req.authProblem) {
    case 'SESSION_EXPIRED':
      return new AppError('SESSION_EXPIRED', 'your session has expired: sign in again');
    case 'TOKEN_EXPIRED':
      return new AppError('TOKEN_EXPIRED', 'this access token has expired: create a new one (POST /api/auth/tokens) and put it in the client', 'header.authorization');
    case 'TOKEN_REVOKED':
      return new AppError('TOKEN_REVOKED', 'this access token was revoked: create a new one (POST /api/auth/tokens)', 'header.authorization');
    case 'TOKEN_INVALID':
      return new AppError('UNAUTHENTICATED', 'this access token is not known: copy the whole token (it starts with gcc_pat_)', 'header.authorization');
    default:
      return new AppError('UNAUTHENTICATED', 'sign in first: this request has no valid session');
  }
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
