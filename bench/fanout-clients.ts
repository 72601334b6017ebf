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
  // Connect in waves, as real displays do after a restart; a refused handshake (e.g. the server's pool
  // busy with other handshakes) is retried by the client's own reconnection.
  const WAVE = 50;
  let connected = 0;
  const deadline = Date.now() + 180_000;
  for (let start = 0; start < s.n; start += WAVE) {
    const wave: Array<Promise<void>> = [];
    for (let i = start; i < Math.min(s.n, start + WAVE); i++) {
      const socket = connect(s.url, {
        transports: ['websocket'],
        extraHeaders: s.cookie ? { cookie: s.cookie } : {},
        reconnection: true,
        reconnectionDelay: 200,
        forceNew: true,
      });
      sockets.push(socket);
      socket.on('events:appended', onBatch);
      wave.push(
        new Promise<void>((resolve) => {
          socket.once('connect', () => {
            if (s.sync) socket.emit('events:sync', { afterId: 0 }, () => resolve());
            else resolve();
          });
        }),
      );
    }
    await Promise.race([
      Promise.all(wave),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${connected}/${s.n} clients connected`)), Math.max(1, deadline - Date.now()))),
    ]);
    connected += wave.length;
  }
  send({ type: 'ready' });
  process.on('message', (m) => {
    if ((m as { type?: string }).type === 'stop') {
      for (const s2 of sockets) s2.close();
      process.exit(0);
    }
  });
}
