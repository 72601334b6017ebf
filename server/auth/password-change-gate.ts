// An account whose password an administrator set (created, or reset: users.must_change_password) is signed
// in only to choose its own. Until it does, its session or access token may read who it is, change the
// password and sign out (or in as someone else), and nothing more: not the map, not a socket, not OGC or
// Open311. One rule, applied where every credential becomes an identity: the session middleware (all HTTP
// mounts), bearer tokens and the socket handshake.
import type { Request } from 'express';
import { AppError } from '../../common/errors';
import type { Identity } from './identity';

/** "METHOD /full/path" of the requests such an account may still make. */
const ALLOWED = new Set(['GET /api/auth/me', 'POST /api/auth/password', 'POST /api/auth/logout', 'POST /api/auth/login']);

export function passwordChangeRequired(): AppError {
  return new AppError('PASSWORD_CHANGE_REQUIRED', 'your password was set by an administrator: choose your own password first (修改密码), then carry on');
}

/** The refusal for this request, or undefined when the identity may make it. */
export function gateRequest(identity: Identity | undefined, req: Pick<Request, 'method' | 'baseUrl' | 'path'>): AppError | undefined {
  if (!identity?.mustChangePassword) return undefined;
  const path = `${req.baseUrl}${req.path}`.replace(/\/+$/, '');
  return ALLOWED.has(`${req.method} ${path}`) ? undefined : passwordChangeRequired();
}
