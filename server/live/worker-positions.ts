// Grid workers' live positions: high-rate telemetry, not state changes (ENGINEERING.md §3). Fixes are kept
// latest-per-person in memory and flushed once per interval: one UPDATE of people.position for the batch,
// then one volatile `workers:positions` emit per room. Volatile emits go through the cluster adapter, so a
// fix received by one process reaches the clients of every process; nothing is written to the events table.
import { AppError } from '../../common/errors';
import {
  STREET_ROOM,
  WORKER_POSITIONS_INTERVAL_MS,
  gridRoom,
  type WorkerPosition,
} from '../../common/realtime';
import type { Identity } from '../auth/identity';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import type { RealtimeServer } from '../realtime/types';
import { groupBy } from '../realtime/group-by';

export interface WorkerFixInput {
  personId?: number;
  lon: number;
  lat: number;
  at?: string;
}

export interface WorkerPositions {
  /** Buffers fixes after checking who may report them; returns how many were accepted. */
  report(identity: Identity, fixes: readonly WorkerFixInput[]): number;
  /** Writes buffered fixes and emits them (also run by the interval timer). */
  flush(): Promise<WorkerPosition[]>;
  start(): void;
  stop(): Promise<void>;
}

/** Roles that may report positions for any worker (dispatch desk, the simulator's dispatcher login). */
const PROXY_ROLES = new Set(['dispatcher', 'admin']);
/** Upper bound on distinct people buffered between flushes (memory bound under abuse). */
const MAX_BUFFERED = 20_000;

export function createWorkerPositions(deps: { db: Db; io: RealtimeServer; logger: Logger; clock: Clock; intervalMs?: number }): WorkerPositions {
  const { db, io, logger, clock } = deps;
  const intervalMs = deps.intervalMs ?? WORKER_POSITIONS_INTERVAL_MS;
  let pending = new Map<number, { lon: number; lat: number; at: string }>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<WorkerPosition[]> | undefined;

  async function write(batch: Map<number, { lon: number; lat: number; at: string }>): Promise<WorkerPosition[]> {
    const rows = [...batch].map(([id, f]) => ({ id, lon: f.lon, lat: f.lat, at: f.at }));
    // Older fixes never overwrite newer ones (two devices, reordered requests).
    const res = await db.query<{ id: number; grid_id: number | null; lon: number; lat: number; at: Date | string }>(
      `UPDATE people p SET position = ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326), position_at = v.at
         FROM jsonb_to_recordset($1::jsonb) AS v(id int, lon float8, lat float8, at timestamptz)
        WHERE p.id = v.id AND (p.position_at IS NULL OR p.position_at <= v.at)
       RETURNING p.id, p.grid_id, v.lon, v.lat, v.at`,
      [JSON.stringify(rows)],
    );
    return res.rows.map((r) => ({
      personId: r.id,
      gridId: r.grid_id,
      lon: r.lon,
      lat: r.lat,
      at: r.at instanceof Date ? r.at.toISOString() : new Date(r.at).toISOString(),
    }));
  }

  function emit(positions: WorkerPosition[]): void {
    if (!positions.length) return;
    const serverTime = clock.now().toISOString();
    io.to(STREET_ROOM).volatile.emit('workers:positions', { positions, serverTime });
    for (const [g, list] of groupBy(positions, (p) => p.gridId)) io.to(gridRoom(g)).volatile.emit('workers:positions', { positions: list, serverTime });
  }

  async function flush(): Promise<WorkerPosition[]> {
    if (flushing) await flushing.catch(() => undefined);
    if (pending.size === 0) return [];
    const batch = pending;
    pending = new Map();
    flushing = write(batch).then((positions) => {
      emit(positions);
      return positions;
    });
    try {
      return await flushing;
    } finally {
      flushing = undefined;
    }
  }

  return {
    report(identity, fixes) {
      const proxy = PROXY_ROLES.has(identity.role);
      if (!proxy && identity.role !== 'worker') {
        throw new AppError('FORBIDDEN', `role "${identity.role}" may not report positions; allowed: worker, dispatcher, admin`);
      }
      const nowIso = clock.now().toISOString();
      let accepted = 0;
      for (const [i, f] of fixes.entries()) {
        let personId: number;
        if (proxy) {
          if (f.personId == null) throw new AppError('VALIDATION_ERROR', `fixes.${i}.personId is required when reporting for a worker`, `payload.fixes.${i}.personId`);
          personId = f.personId;
        } else {
          if (identity.personId == null) throw new AppError('FORBIDDEN', 'this login is not linked to a person record');
          if (f.personId != null && f.personId !== identity.personId) {
            throw new AppError('FORBIDDEN', 'a worker may report only their own position', `payload.fixes.${i}.personId`);
          }
          personId = identity.personId;
        }
        if (!pending.has(personId) && pending.size >= MAX_BUFFERED) continue;
        pending.set(personId, { lon: f.lon, lat: f.lat, at: f.at ?? nowIso });
        accepted++;
      }
      return accepted;
    },
    flush,
    start() {
      timer = setInterval(() => {
        flush().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'worker position flush failed'));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await flushing?.catch(() => undefined);
    },
  };
}
