// Who is calling. The authentication middleware (server/auth/session-middleware.ts) sets `req.identity`
// from the session cookie; routes state which roles may call them with `requireRole`.
import type { RequestHandler, Request } from 'express';
import type { UserRole } from '../../common/domain';
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
  }
}

/** Actor id written to events and the audit log ("user:12"); "system:<job>" for background jobs. */
export function actorOf(identity: Identity): string {
  return `user:${identity.userId}`;
}

export function getIdentity(req: Request): Identity {
  if (!req.identity) throw new AppError('UNAUTHENTICATED', 'sign in first: this request has no valid session');
  return req.identity;
}

/** Allows the request only for the listed roles (admin is not implied: list it where it applies). */
export function requireRole(...roles: UserRole[]): RequestHandler {
  return (req, _res, next) => {
    const identity = req.identity;
    if (!identity) return next(new AppError('UNAUTHENTICATED', 'sign in first: this request has no valid session'));
    if (!roles.includes(identity.role)) {
      return next(new AppError('FORBIDDEN', `role "${identity.role}" may not do this; allowed: ${roles.join(', ')}`));
    }
    next();
  };
}
