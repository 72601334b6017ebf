// Wires identity into the app: security headers, the session middleware and CSRF check for /api, the
// /api/auth routes, and Socket.IO handshake authentication with its periodic session sweep.
import type { Express } from 'express';
import type { Server as SocketServer } from 'socket.io';
import type { Db } from '../db/db';
import type { Config } from '../config';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { securityHeaders } from '../security/headers';
import { csrfMiddleware, sessionMiddleware, type AuthContext } from './session-middleware';
import { authRoutes, type AuthRouteOptions } from './auth-routes';
import { apiTokenRoutes } from './api-token-routes';
import { passwordRoutes } from './password-routes';
import { installSocketAuth, sessionRoom, startSocketSweeper, sweepSocketSessions } from './socket-auth';
import { ensureDemoUsers, printDemoUsers } from './demo-users';
import { privacyRoutes } from '../privacy/privacy-routes';
import { createSessionRevoker, type SessionRevoker } from './session-revocation';

export interface AuthOptions extends AuthRouteOptions {
  /** How often connected sockets' sessions are re-checked (ms). */
  socketSweepMs?: number;
}

export interface Auth extends SessionRevoker {
  /** Re-checks connected sockets now (tests; the timer does it every socketSweepMs). */
  sweepSockets(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const installed = new WeakMap<SocketServer, Auth>();

/** The Auth installed on this Socket.IO server (tests use it to sweep sockets without waiting). */
export function authOf(io: SocketServer): Auth {
  const a = installed.get(io);
  if (!a) throw new Error('installAuth() has not run on this Socket.IO server');
  return a;
}

export function installAuth(
  app: Express,
  io: SocketServer,
  deps: { db: Db; config: Config; clock: Clock; logger: Logger },
  opts: AuthOptions = {},
): Auth {
  const ctx: AuthContext = { db: deps.db, config: deps.config, clock: deps.clock };
  app.use(securityHeaders(deps.config));
  // /ogc (OGC API - Features for desktop GIS) reads with the same identity: a session or an access token
  app.use(['/api', '/ogc'], sessionMiddleware(ctx), csrfMiddleware(ctx));
  const endSession = (sessionId: string) => io.in(sessionRoom(sessionId)).disconnectSockets(true);
  const revoker = createSessionRevoker({ io, db: deps.db, logger: deps.logger, nodeId: deps.config.NODE_ID || 'default' });
  app.use('/api/auth', authRoutes(ctx, { ...opts, onSessionEnded: endSession }));
  app.use('/api/auth/tokens', apiTokenRoutes(ctx));
  app.use('/api/auth/password', passwordRoutes(ctx, revoker));
  app.use('/api/privacy', privacyRoutes(deps.db));
  installSocketAuth(io, ctx);
  const stopSweeper = startSocketSweeper(io, ctx, deps.logger, opts.socketSweepMs ?? 60_000);
  const auth: Auth = {
    endSessions: (ids) => revoker.endSessions(ids),
    sweepSockets: () => sweepSocketSessions(io, ctx),
    async start() {
      if (deps.config.SEED_SAMPLE === 'true') printDemoUsers(await ensureDemoUsers(deps.db));
    },
    async stop() {
      stopSweeper();
    },
  };
  installed.set(io, auth);
  return auth;
}
