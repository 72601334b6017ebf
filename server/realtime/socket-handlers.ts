// Socket handlers: validate → act → acknowledge (Socket.IO CRUD example). A socket joins its rooms only when
// it first syncs, in the same turn as the reply is computed, so it can neither miss an event nor see one
// before the events it asked for.
import type { Db } from '../db/db';
import { eventsAfter } from '../events/append-event';
import type { Logger } from '../logger';
import { AppError, isAppError, type ErrorCode } from '../../common/errors';
import {
  EventsSyncRequestSchema,
  STREET_ROOM,
  SYNC_MAX_GAP,
  WorkerFixesSchema,
  type AckError,
  type EventsSyncAck,
  type LiveEvent,
} from '../../common/realtime';
import { parseOrThrow } from '../http/validate';
import { fromDbError } from '../http/error-handler';
import type { Clock } from '../clock';
import type { EventPublisher } from './event-publisher';
import type { RealtimeServer, RealtimeSocket } from './types';
import { roomsFor, visibleIn } from './rooms';
import type { WorkerPositions } from '../live/worker-positions';
import type { KpiPusher } from '../live/kpis';
import { scopePolicy } from '../auth/scope';

export interface SocketHandlerDeps {
  db: Db;
  io: RealtimeServer;
  publisher: EventPublisher;
  positions: WorkerPositions;
  logger: Logger;
  clock: Clock;
  nodeId: string;
  /** The street's figures, sent to a street-room socket right after its sync (see below). */
  kpis?: Pick<KpiPusher, 'current'>;
}

export function toAckError(err: unknown, logger: Logger): AckError {
  const appErr = isAppError(err) ? err : fromDbError(err);
  if (appErr) return appErr.toBody().error;
  logger.error({ err }, 'socket handler failed');
  return { code: 'INTERNAL' as ErrorCode, message: 'internal error; it has been logged' };
}

/**
 * The events after `afterId` a socket with `rooms` may see, and joins those rooms with nothing in between:
 * after the last await, everything up to the publisher's cursor comes from its in-memory ring, and the
 * rooms are joined in that same synchronous turn, so every later event arrives by push.
 */
export async function syncSocket(
  socket: RealtimeSocket,
  rooms: string[],
  afterId: number,
  deps: Pick<SocketHandlerDeps, 'db' | 'publisher' | 'clock'>,
): Promise<EventsSyncAck> {
  const { db, publisher, clock } = deps;
  await publisher.ready;
  const out: LiveEvent[] = [];
  let last = afterId;
  let fetched = 0;
  const resync = (): EventsSyncAck => {
    void socket.join(rooms);
    return { ok: true, resync: true, lastEventId: publisher.cursor, serverTime: clock.now().toISOString() };
  };
  for (;;) {
    const recent = publisher.recentAfter(last);
    if (recent) {
      if (fetched + recent.length > SYNC_MAX_GAP) return resync();
      for (const e of recent) if (visibleIn(rooms, e)) out.push(e);
      if (recent.length) last = recent[recent.length - 1].id;
      break;
    }
    // The ring does not reach back that far: read the table (bounded), then look at the ring again.
    const rows = await eventsAfter(db, last, SYNC_MAX_GAP + 1 - fetched);
    fetched += rows.length;
    if (fetched > SYNC_MAX_GAP) return resync();
    if (rows.length === 0) break;
    for (const e of rows) if (visibleIn(rooms, e)) out.push(e);
    last = rows[rows.length - 1].id;
  }
  // Same turn as the last ring read: from here on, every event this process pushes reaches the socket.
  void socket.join(rooms);
  return { ok: true, resync: false, events: out, lastEventId: Math.max(last, publisher.cursor), serverTime: clock.now().toISOString() };
}

export function registerSocketHandlers(deps: SocketHandlerDeps): void {
  const { io, publisher, positions, logger, clock, nodeId, kpis } = deps;

  io.on('connection', (socket) => {
    socket.emit('server:hello', { nodeId, lastEventId: publisher.cursor, serverTime: clock.now().toISOString() });

    socket.on('events:sync', async (req, ack) => {
      if (typeof ack !== 'function') return;
      try {
        const identity = socket.data.identity;
        if (!identity) throw new AppError('UNAUTHENTICATED', 'sign in first: this connection has no valid session');
        const { afterId } = parseOrThrow(EventsSyncRequestSchema, req, 'payload');
        const rooms = roomsFor(identity);
        if (rooms.length === 0) throw new AppError('FORBIDDEN', `role "${identity.role}" has no live feed`);
        ack(await syncSocket(socket, rooms, afterId, deps));
        // A wall that caught up by events still shows the figures of before its outage: the KPI push that the
        // missed events caused went out while it was away (after a restart, before it had joined). Send the
        // current figures to this socket now, so "current again" includes the KPI panel.
        if (kpis && rooms.includes(STREET_ROOM)) {
          // The socket's own scope (a street role here, so the street's cached figures).
          kpis.current(scopePolicy(identity)).then(
            (k) => socket.emit('kpis:updated', k),
            (err: unknown) => logger.warn({ err: (err as Error).message }, 'KPI computation for a synced socket failed'),
          );
        }
      } catch (err) {
        ack({ ok: false, error: toAckError(err, logger) });
      }
    });

    socket.on('workers:report', async (req, ack) => {
      if (typeof ack !== 'function') return;
      try {
        const identity = socket.data.identity;
        if (!identity) throw new AppError('UNAUTHENTICATED', 'sign in first: this connection has no valid session');
        const body = parseOrThrow(WorkerFixesSchema, req, 'payload');
        const accepted = positions.report(identity, body.fixes);
        ack({ ok: true, accepted });
      } catch (err) {
        ack({ ok: false, error: toAckError(err, logger) });
      }
    });
  });
}
