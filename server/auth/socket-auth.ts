// Socket.IO handshake authentication: the same session cookie as HTTP, the Origin allow-list, and a
// periodic sweep that disconnects sockets whose session has expired or ended. Every reconnect is a new
// handshake, so it runs this middleware again (keep connectionStateRecovery.skipMiddlewares false).
import type { Server as SocketServer, Socket, Namespace } from 'socket.io';
import type { ErrorCode } from '../../common/errors';
import { configuredOrigins, isOriginAllowed } from '../security/origins';
import { liveSessionIds, lookupSession, purgeExpiredSessions, readCookie, renewWallSessions, sessionCookieName } from './sessions';
import type { AuthContext } from './session-middleware';
import { invalidateCachedSession, sessionCacheOf } from './session-cache';
import type { Identity } from './identity';
import { passwordChangeRequired } from './password-change-gate';
import type { Logger } from '../logger';

export interface SocketAuthData {
  identity: Identity;
}

/** Every socket of a session joins this room, so ending the session can disconnect them on every node. */
export function sessionRoom(sessionId: string): string {
  return `session:${sessionId}`;
}

/** A handshake refusal the client sees as `connect_error` with `err.data = { code, message }`. */
function refusal(code: ErrorCode, message: string): Error {
  return Object.assign(new Error(message), { data: { code, message } });
}

export function socketIdentity(socket: Socket): Identity | undefined {
  return (socket.data as Partial<SocketAuthData>).identity;
}

export function socketAuthMiddleware(ctx: AuthContext): (socket: Socket, next: (err?: Error) => void) => void {
  const cookieName = sessionCookieName(ctx.config);
  const allowed = configuredOrigins(ctx.config);
  const cache = sessionCacheOf(ctx.db);
  return (socket, next) => {
    const { headers } = socket.handshake;
    if (!isOriginAllowed(headers.origin, headers.host, allowed)) {
      return next(refusal('FORBIDDEN', `handshakes from origin ${headers.origin} are not allowed`));
    }
    const token = readCookie(headers.cookie, cookieName);
    if (!token) return next(refusal('UNAUTHENTICATED', 'sign in first: the handshake carries no session cookie'));
    lookupSession(ctx.db, token, ctx.config, ctx.clock.now(), cache).then(
      (found) => {
        if (found.status === 'expired') return next(refusal('SESSION_EXPIRED', 'your session has expired: sign in again'));
        if (found.status !== 'ok') return next(refusal('UNAUTHENTICATED', 'sign in first: the session is not valid'));
        if (found.identity.mustChangePassword) {
          const gate = passwordChangeRequired();
          return next(refusal(gate.code, gate.message));
        }
        (socket.data as SocketAuthData).identity = found.identity;
        next();
      },
      () => next(refusal('DB_UNAVAILABLE', 'the database is unavailable; reconnect shortly')),
    );
  };
}

/** Installs the middleware on the main namespace and on every namespace created later. */
export function installSocketAuth(io: SocketServer, ctx: AuthContext): void {
  const mw = socketAuthMiddleware(ctx);
  const setup = (ns: Namespace) => {
    ns.use(mw);
    ns.on('connection', (socket: Socket) => {
      const identity = socketIdentity(socket);
      if (identity) void socket.join(sessionRoom(identity.sessionId));
    });
  };
  setup(io.of('/'));
  io.on('new_namespace', setup);
}

/**
 * Re-checks the sessions of this node's connected sockets: disconnects those whose session expired, was
 * signed out or whose user was disabled, and renews wall sessions that still have a display connected.
 */
export async function sweepSocketSessions(io: SocketServer, ctx: AuthContext): Promise<number> {
  const bySession = new Map<string, Socket[]>();
  for (const ns of io._nsps.values()) {
    for (const socket of ns.sockets.values()) {
      const identity = socketIdentity(socket);
      if (!identity) continue;
      const list = bySession.get(identity.sessionId) ?? [];
      list.push(socket);
      bySession.set(identity.sessionId, list);
    }
  }
  const ids = [...bySession.keys()];
  const now = ctx.clock.now();
  const live = await liveSessionIds(ctx.db, ids, now);
  let dropped = 0;
  for (const [id, sockets] of bySession) {
    if (live.has(id)) continue;
    invalidateCachedSession(ctx.db, id);
    for (const s of sockets) {
      s.emit('session_expired', { code: 'SESSION_EXPIRED', message: 'your session has ended: sign in again' });
      s.disconnect(true);
      dropped++;
    }
  }
  await renewWallSessions(ctx.db, ids.filter((id) => live.has(id)), ctx.config, now);
  return dropped;
}

export function startSocketSweeper(io: SocketServer, ctx: AuthContext, logger: Logger, everyMs: number): () => void {
  let ticks = 0;
  const timer = setInterval(() => {
    sweepSocketSessions(io, ctx).catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'socket session sweep failed'));
    // housekeeping about once an hour at the default period
    if (++ticks % 60 === 0) {
      purgeExpiredSessions(ctx.db, ctx.clock.now()).catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'session purge failed'));
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
