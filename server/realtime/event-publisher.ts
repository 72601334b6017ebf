// The outbox publisher: tails the events table and pushes committed rows to this process's sockets, in id
// order, in batches (ENGINEERING.md §3). It is woken at once after a local commit (`notifyCommitted`) and
// by a short poll, so events committed by another process — or by this one just before it crashed — are
// pushed too.
//
// Multi-node rule: every process tails the same table and emits only to its LOCAL sockets (`io.local`).
// Emitting through the cluster adapter as well would deliver every event once per process. The adapter is
// used for what exists only in one process's memory (volatile worker positions).
//
// Memory stays bounded under bursts: at most EVENTS_BATCH_MAX rows are read per query, a tick that is woken
// while running just runs once more (commits coalesce into bigger batches), the replay buffer is a capped
// ring, and sockets whose outgoing buffer grows past a limit are disconnected (they reconnect and sync).
import type { Db } from '../db/db';
import { eventsAfter, type StoredEvent } from '../events/append-event';
import type { Logger } from '../logger';
import { EVENTS_BATCH_MAX, STREET_ROOM, eventAssigneeId, eventGridId, gridRoom, personRoom, type LiveEvent } from '../../common/realtime';
import type { RealtimeServer } from './types';
import { loadPushCursor, savePushCursor } from './push-cursor';
import { groupBy } from './group-by';

export interface EventPublisherOptions {
  db: Db;
  io: RealtimeServer;
  logger: Logger;
  /** Names this process's row in realtime_push_cursors. */
  nodeId: string;
  /** Poll interval for commits made elsewhere (other processes, before a restart). */
  pollMs?: number;
  /** Recently pushed events kept in memory to answer `events:sync` without racing the publisher. */
  replayCapacity?: number;
  /** A socket with more queued outgoing packets than this is disconnected (slow consumer). */
  maxSocketBacklog?: number;
  /** How often the pushed-up-to cursor is written to the database. */
  persistEveryMs?: number;
}

export interface EventPublisher {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Cheap: call after any local commit that appended events; the push happens on the next turn. */
  notifyCommitted(): void;
  /** Id of the last event pushed by this process. */
  readonly cursor: number;
  /**
   * Events pushed with id > afterId, from memory, or null when the ring no longer reaches back that far.
   * Synchronous on purpose: a caller that reads it and joins rooms in the same turn misses nothing.
   */
  recentAfter(afterId: number): LiveEvent[] | null;
  /** Resolves once start() has loaded the cursor: syncs wait for it (before that the cursor means nothing). */
  readonly ready: Promise<void>;
  /** Called after each pushed batch (KPI recompute, metrics). */
  onPushed(listener: (events: readonly LiveEvent[]) => void): void;
  readonly stats: { batches: number; events: number; slowDisconnects: number };
}

export function createEventPublisher(opts: EventPublisherOptions): EventPublisher {
  const { db, io, logger, nodeId } = opts;
  // Reads of the outbox and writes of the cursor use the publisher's own connection where the backend has
  // one: queued behind a burst of commands in the shared pool, one cursor write held every push of the burst
  // back to its end (bench `field`: all 200 assignments reached the phones in one lump after the last commit).
  const lane = db.publisherLane ?? db;
  const pollMs = opts.pollMs ?? 250;
  const replayCapacity = opts.replayCapacity ?? 4096;
  const maxBacklog = opts.maxSocketBacklog ?? 2000;
  const persistEveryMs = opts.persistEveryMs ?? 1000;

  let cursor = 0;
  let persisted = 0;
  let lastPersistAt = 0;
  // Ring buffer of recently pushed events; `ringFloor` is the cursor value before its oldest entry.
  const ring: LiveEvent[] = [];
  let ringFloor = 0;
  let running = false;
  let again = false;
  let scheduled = false;
  let stopped = true;
  let pollTimer: NodeJS.Timeout | undefined;
  let backlogTimer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const listeners: Array<(events: readonly LiveEvent[]) => void> = [];
  const stats = { batches: 0, events: 0, slowDisconnects: 0 };
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  function emitBatch(events: StoredEvent[]): void {
    // One packet per room: Socket.IO encodes a broadcast once for all its members.
    io.local.to(STREET_ROOM).emit('events:appended', events);
    for (const [g, list] of groupBy<LiveEvent, number>(events, eventGridId)) io.local.to(gridRoom(g)).emit('events:appended', list);
    // A case assigned to a worker reaches their person room, except sockets that already got it through the
    // case's grid room (a worker assigned a case of their own grid gets it once). Such a packet may come after
    // the grid packet of the same batch with lower ids: clients reconcile by version, not by arrival order.
    for (const [p, list] of groupBy<LiveEvent, number>(events, eventAssigneeId)) {
      // split by grid so each packet can exclude exactly the grid room that already carried it
      const ungridded = list.filter((e) => eventGridId(e) == null);
      if (ungridded.length) io.local.to(personRoom(p)).emit('events:appended', ungridded);
      for (const [g, l] of groupBy<LiveEvent, number>(list, eventGridId)) io.local.to(personRoom(p)).except(gridRoom(g)).emit('events:appended', l);
    }
  }

  function remember(events: StoredEvent[]): void {
    for (const e of events) ring.push(e);
    if (ring.length > replayCapacity) {
      const drop = ring.length - replayCapacity;
      ringFloor = ring[drop - 1].id;
      ring.splice(0, drop);
    }
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      for (;;) {
        const rows = await eventsAfter(lane, cursor, EVENTS_BATCH_MAX);
        if (stopped || rows.length === 0) break;
        // Cursor, ring and emit change together in one synchronous block (see recentAfter).
        emitBatch(rows);
        remember(rows);
        cursor = rows[rows.length - 1].id;
        stats.batches++;
        stats.events += rows.length;
        for (const l of listeners) {
          try {
            l(rows);
          } catch (err) {
            logger.warn({ err: (err as Error).message }, 'event listener failed');
          }
        }
        if (rows.length < EVENTS_BATCH_MAX) break;
      }
    } while (again && !stopped);
    if (cursor !== persisted && Date.now() - lastPersistAt >= persistEveryMs) {
      lastPersistAt = Date.now();
      await savePushCursor(lane, nodeId, cursor);
      persisted = cursor;
    }
  }

  function tick(): void {
    scheduled = false;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    current = drain()
      .catch((err: unknown) => {
        // The database may be down (fault 9): keep the cursor, the poll retries.
        logger.warn({ err: (err as Error).message }, 'event publisher tick failed; will retry');
      })
      .finally(() => {
        running = false;
      });
  }

  function checkBacklogs(): void {
    for (const socket of io.sockets.sockets.values()) {
      // engine.io keeps unsent packets in `writeBuffer` (typed private; read-only use here to bound memory).
      const queued = (socket.conn as unknown as { writeBuffer: readonly unknown[] }).writeBuffer.length;
      if (queued > maxBacklog) {
        stats.slowDisconnects++;
        logger.warn({ socket: socket.id, queued }, 'disconnecting a slow consumer; it will resync');
        socket.disconnect(true);
      }
    }
  }

  return {
    stats,
    ready,
    get cursor() {
      return cursor;
    },
    async start() {
      cursor = await loadPushCursor(db, nodeId);
      persisted = cursor;
      ring.length = 0;
      ringFloor = cursor;
      stopped = false;
      markReady();
      pollTimer = setInterval(tick, pollMs);
      pollTimer.unref();
      backlogTimer = setInterval(checkBacklogs, 1000);
      backlogTimer.unref();
      tick();
      await current;
    },
    async stop() {
      stopped = true;
      clearInterval(pollTimer);
      clearInterval(backlogTimer);
      await current;
      if (cursor !== persisted) await savePushCursor(db, nodeId, cursor).catch(() => undefined);
    },
    notifyCommitted() {
      if (scheduled || stopped) return;
      scheduled = true;
      setImmediate(tick);
    },
    recentAfter(afterId) {
      if (afterId >= cursor) return [];
      if (afterId < ringFloor) return null;
      // Ring is sorted by id: binary search the first id > afterId.
      let lo = 0;
      let hi = ring.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ring[mid].id <= afterId) lo = mid + 1;
        else hi = mid;
      }
      return ring.slice(lo);
    },
    onPushed(listener) {
      listeners.push(listener);
    },
  };
}
