// Child process of bench/fanout.ts: opens N Socket.IO clients to one server and reports, per marker, the
// moment the LAST of them received it (shared wall clock: performance.timeOrigin + performance.now()).
// Runs apart from the server so the clients do not steal the server's event loop.
import { io as connect, type Socket } from 'socket.io-client';

interface Start { url: string; n: number; cookie?: string; sync: boolean }

const now = () => performance.timeOrigin + performance.now();
const send = (m: unknown) => process.send?.(m);

process.once('message', (raw) => {
  void main(raw as Start);
});

async function main(s: Start): Promise<void> {
  const sockets: Socket[] = [];
  const seen = new Map<string, { count: number; last: number; sample?: unknown }>();
  const onBatch = (events: Array<{ payload?: { incident?: { title?: string }; marker?: string } }>) => {
    const t = now();
    for (const e of events) {
      const marker = e.payload?.marker ?? e.payload?.incident?.title;
      if (!marker || !marker.startsWith('fanout-')) continue;
      const entry = seen.get(marker) ?? { count: 0, last: 0 };
      entry.count++;
      entry.last = t;
      if (!entry.sample) entry.sample = e;
      seen.set(marker, entry);
      if (entry.count === s.n) {
        send({ type: 'all', marker, at: entry.last, sample: entry.sample });
        seen.delete(marker);
      }
    }
  };
  let connected = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${connected}/${s.n} clients connected`)), 120_000);
    for (let i = 0; i < s.n; i++) {
      const socket = connect(s.url, {
        transports: ['websocket'],
        extraHeaders: s.cookie ? { cookie: s.cookie } : {},
        reconnection: false,
        forceNew: true,
      });
      sockets.push(socket);
      socket.on('events:appended', onBatch);
      socket.once('connect', () => {
        const ready = () => {
          connected++;
          if (connected === s.n) {
            clearTimeout(timer);
            resolve();
          }
        };
        if (s.sync) socket.emit('events:sync', { afterId: 0 }, ready);
        else ready();
      });
      socket.once('connect_error', (err) => reject(err));
    }
  });
  send({ type: 'ready' });
  process.on('message', (m) => {
    if ((m as { type?: string }).type === 'stop') {
      for (const s2 of sockets) s2.close();
      process.exit(0);
    }
  });
}
