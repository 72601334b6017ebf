// Wires the realtime capability: the outbox publisher, socket handlers, live routes, worker positions, KPI
// pushes and — with PostgreSQL — the cluster adapter that lets several server processes share Socket.IO.
//
// With PGlite there is one process only (the embedded database cannot be shared), so no adapter is set.
import type { Router } from 'express';
import { createAdapter } from '@socket.io/postgres-adapter';
import type { Server as SocketServer } from 'socket.io';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Db } from '../db/db';
import { openAdapterPool } from '../db/pg-adapter-pool';
import type { Logger } from '../logger';
import { createKpiPusher, type KpiPusher } from '../live/kpis';
import { liveRoutes } from '../live/live-routes';
import { createWorkerPositions, type WorkerPositions } from '../live/worker-positions';
import { createEventPublisher, type EventPublisher } from './event-publisher';
import { registerSocketHandlers } from './socket-handlers';
import type { RealtimeServer } from './types';

export interface Realtime {
  publisher: EventPublisher;
  kpis: KpiPusher;
  positions: WorkerPositions;
  /** Mount at /api/live. */
  router: Router;
  /** Call after any commit that appended events (cheap; the push happens on the next turn). */
  notifyCommitted(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RealtimeOptions {
  /** Publisher poll interval (ms): how soon commits of other processes are pushed. */
  pollMs?: number;
  workerPositionsIntervalMs?: number;
  kpiMinIntervalMs?: number;
}

/** Socket.IO connection-state recovery window: a shorter disconnect may be replayed by Socket.IO itself. */
export const REALTIME_RECOVERY_WINDOW_MS = 2 * 60_000;

const registry = new WeakMap<object, Realtime>();

/** The realtime capability of an app, found from its Socket.IO server (tests, other sections). */
export function realtimeOf(io: SocketServer): Realtime {
  const r = registry.get(io);
  if (!r) throw new Error('realtime is not installed on this Socket.IO server');
  return r;
}

export function createRealtime(
  deps: { db: Db; io: SocketServer; config: Config; logger: Logger; clock: Clock },
  options: RealtimeOptions = {},
): Realtime {
  const { db, config, logger, clock } = deps;
  // The app's Server is created untyped in the composition root; the contract types are applied here.
  const io = deps.io as unknown as RealtimeServer;
  const nodeId = config.NODE_ID || 'default';

  let closeAdapter: (() => Promise<void>) | undefined;
  if (db.kind === 'pg' && config.DATABASE_URL) {
    const pool = openAdapterPool(config.DATABASE_URL);
    io.adapter(createAdapter(pool, { errorHandler: (err) => logger.warn({ err: err.message }, 'socket.io adapter error') }));
    closeAdapter = async () => {
      await io.of('/').adapter.close();
      await pool.end().catch(() => undefined);
    };
  }

  const publisher = createEventPublisher({ db, io, logger, nodeId, pollMs: options.pollMs });
  const positions = createWorkerPositions({ db, io, logger, clock, intervalMs: options.workerPositionsIntervalMs });
  const kpis = createKpiPusher({ db, io, publisher, clock, logger, minIntervalMs: options.kpiMinIntervalMs });
  // Local commits wake this process's publisher at once; with the cluster adapter the other processes are
  // told too (one NOTIFY per turn at most), so they need not wait for their poll.
  let peersPending = false;
  const clustered = closeAdapter !== undefined;
  const notifyCommitted = () => {
    publisher.notifyCommitted();
    if (!clustered || peersPending) return;
    peersPending = true;
    setImmediate(() => {
      peersPending = false;
      io.serverSideEmit('realtime:committed');
    });
  };
  if (clustered) io.on('realtime:committed', () => publisher.notifyCommitted());
  registerSocketHandlers({ db, io, publisher, positions, logger, clock, nodeId, kpis });
  const router = liveRoutes({ db, clock, kpis, positions, notifyCommitted });

  const realtime: Realtime = {
    publisher,
    kpis,
    positions,
    router,
    notifyCommitted,
    async start() {
      await publisher.start();
      positions.start();
    },
    async stop() {
      kpis.stop();
      await positions.stop();
      await publisher.stop();
      await closeAdapter?.();
    },
  };
  registry.set(deps.io, realtime);
  return realtime;
}
