// Ending sessions at once on every server process (issue 14: an account disabled, its role or grid changed,
// or its password reset stops working everywhere immediately, not after the session cache's TTL; so do the
// other devices of someone who changes their own password, server/auth/password-routes.ts).
//
// The session rows are deleted in the transaction of the change; what remains is memory: each process's
// session cache (server/auth/session-cache.ts, 5 s) and its connected sockets. After the commit the process
// that made the change
//   1. drops the sessions from its own cache and disconnects its own sockets of them, then
//   2. asks every other process, through the Socket.IO cluster adapter that already links them
//      (@socket.io/postgres-adapter, i.e. NOTIFY on the same database; ENGINEERING.md §4: no broker of our
//      own), to do the same, and WAITS for each one's acknowledgement before it answers the request.
// So when the administrator sees "disabled", every process that answered has forgotten the sessions.
// A process that does not answer within the adapter's request timeout (5 s) is one that has been unable
// to hear its peers for that long; by then every entry it cached before the commit is older than the
// cache TTL (also 5 s) and has expired, so it too refuses the session: the guarantee holds either way,
// and the answer says how many processes confirmed.
//
// PGlite is single-process (no adapter): step 1 is all there is.
import type { Server as SocketServer } from 'socket.io';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import { invalidateCachedSession } from './session-cache';
import { sessionRoom } from './socket-auth';

/** Server-to-server event (never sent to browsers): "these session ids have ended". */
export const SESSIONS_ENDED_EVENT = 'auth:sessions_ended';

export interface RevocationResult {
  sessionsEnded: number;
  /** Other processes that acknowledged (0 on a single process). */
  peersConfirmed: number;
  /** Other processes known to the adapter that did not acknowledge in time. */
  peersMissing: number;
}

export interface SessionRevoker {
  /** Ends these sessions in every process; resolves once all peers confirmed (or the adapter timed out). */
  endSessions(sessionIds: readonly string[]): Promise<RevocationResult>;
}

const SESSION_ID = /^[0-9a-f]{64}$/;

/** Drops the sessions from this process's cache and disconnects its sockets of them, in every namespace. */
export function endSessionsLocally(io: SocketServer, db: Db, sessionIds: readonly string[]): number {
  let sockets = 0;
  for (const id of sessionIds) {
    invalidateCachedSession(db, id);
    for (const ns of io._nsps.values()) {
      const room = ns.adapter.rooms.get(sessionRoom(id));
      if (!room) continue;
      for (const socketId of [...room]) {
        const s = ns.sockets.get(socketId);
        if (!s) continue;
        // the client learns why before the connection closes (same event as the session sweep)
        s.emit('session_expired', { code: 'UNAUTHENTICATED', message: 'this account was changed (disabled, its role or password changed): sign in again' });
        s.disconnect(true);
        sockets++;
      }
    }
  }
  return sockets;
}

export function createSessionRevoker(deps: { io: SocketServer; db: Db; logger: Logger; nodeId: string }): SessionRevoker {
  const { io, db, logger, nodeId } = deps;
  // Peers' requests. The payload comes from another process of this installation through the database's
  // NOTIFY channel; it is still checked, since a malformed one must not throw inside the adapter.
  io.on(SESSIONS_ENDED_EVENT, (ids: unknown, ack?: (answer: { node: string; sockets: number }) => void) => {
    const valid = Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string' && SESSION_ID.test(x)) : [];
    const sockets = endSessionsLocally(io, db, valid);
    if (typeof ack === 'function') ack({ node: nodeId, sockets });
  });

  return {
    async endSessions(sessionIds) {
      const ids = [...new Set(sessionIds)];
      endSessionsLocally(io, db, ids);
      const servers = await io.of('/').adapter.serverCount();
      if (servers <= 1) return { sessionsEnded: ids.length, peersConfirmed: 0, peersMissing: 0 };
      const peers = servers - 1;
      try {
        const answers = (await io.serverSideEmitWithAck(SESSIONS_ENDED_EVENT, ids)) as unknown[];
        return { sessionsEnded: ids.length, peersConfirmed: answers.length, peersMissing: Math.max(0, peers - answers.length) };
      } catch (err) {
        const answers = ((err as { responses?: unknown[] }).responses ?? []).length;
        logger.warn({ err: (err as Error).message, peers, answers }, 'not every server process confirmed ending the sessions; the others refuse them once their 5 s session cache expires');
        return { sessionsEnded: ids.length, peersConfirmed: answers, peersMissing: Math.max(0, peers - answers) };
      }
    },
  };
}
