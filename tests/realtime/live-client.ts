// A test client that follows the realtime protocol exactly as the browser must (common/realtime.ts):
// sync from its last applied id on every connect, apply pushes with id > last, refetch the snapshot and sync
// again when told to resync. It records every event it applied, in order, so tests can compare clients
// with each other and with the events table.
import { io as connect, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  EventsSyncAck,
  LiveEvent,
  LiveSnapshot,
  ServerToClientEvents,
} from '../../common/realtime';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LiveClient {
  socket: ClientSocket;
  /** Events applied, in the order applied (never a duplicate, always increasing ids). */
  applied: LiveEvent[];
  lastId: number;
  /** Times the server answered `resync: true`. */
  resyncs: number;
  /** Events received more than once (by push and by sync) and ignored. */
  duplicates: number;
  /** Order violations seen (an event with id <= last that was NOT a duplicate of one applied). */
  syncs: number;
  waitFor(pred: (c: LiveClient) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

export function liveClient(
  baseUrl: string,
  auth: { cookie: string },
  opts: { afterId?: number; reconnectionDelay?: number } = {},
): LiveClient {
  const socket: ClientSocket = connect(baseUrl, {
    extraHeaders: { cookie: auth.cookie },
    transports: ['websocket'],
    reconnectionDelay: opts.reconnectionDelay ?? 100,
    reconnectionDelayMax: 500,
    timeout: 5000,
  });
  const c: LiveClient = {
    socket,
    applied: [],
    lastId: opts.afterId ?? 0,
    resyncs: 0,
    duplicates: 0,
    syncs: 0,
    waitFor: (pred, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          if (pred(c)) return resolve();
          if (Date.now() - started > timeoutMs) return reject(new Error(`timed out; client at lastId ${c.lastId}, applied ${c.applied.length}`));
          setTimeout(check, 20);
        };
        check();
      }),
    close: () => socket.close(),
  };
  let syncing = false;
  let buffered: LiveEvent[] = [];

  const apply = (events: readonly LiveEvent[]) => {
    for (const e of events) {
      if (e.id <= c.lastId) {
        c.duplicates++;
        continue;
      }
      c.applied.push(e);
      c.lastId = e.id;
    }
  };

  const sync = async (): Promise<void> => {
    syncing = true;
    try {
      for (;;) {
        const ack: EventsSyncAck = await socket.timeout(10_000).emitWithAck('events:sync', { afterId: c.lastId });
        c.syncs++;
        if (!ack.ok) throw new Error(`sync refused: ${ack.error.code} ${ack.error.message}`);
        if (!ack.resync) {
          apply(ack.events);
          break;
        }
        // Too far behind: start again from the HTTP snapshot, then sync from its lastEventId.
        c.resyncs++;
        const res = await fetch(`${baseUrl}/api/live/snapshot`, { headers: { cookie: auth.cookie } });
        const snap = (await res.json()) as LiveSnapshot;
        c.lastId = Math.max(c.lastId, snap.lastEventId);
      }
      apply(buffered);
    } finally {
      buffered = [];
      syncing = false;
    }
  };

  socket.on('connect', () => {
    sync().catch(() => undefined);
  });
  socket.on('events:appended', (events) => {
    if (syncing) buffered.push(...events);
    else apply(events);
  });
  return c;
}
