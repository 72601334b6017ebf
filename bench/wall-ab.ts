// Compares two builds of the client on cold /wall loads, interleaved in one run (the machine is shared and its
// load moves by the minute, so only a same-run comparison says whether a change helped). Each build is served
// by its own small front server (its index.html and /assets from disk; every other request, WebSockets
// included, passed on to one real app), so both talk to the same server, database and session.
//
//   npx tsx bench/wall-ab.ts --a=/path/to/dist/client --b=dist/client [--loads=5] [--live=off]
//
// Prints each load, the medians and b/a, with the load average; the first full render is bench/wall/page.ts's.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { benchDb, startBenchApp } from './bench-app';
import { currentLoadAverage, median } from './bench-kit';
import { signIn } from './wall/load';
import { openWall } from './wall/page';
import { loadSampleStreet } from '../server/sample/load-sample';
import { createUser } from '../server/auth/users';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml' };

/** A front server for one client build; everything it does not serve from `dist` goes to `target`. */
async function frontServer(dist: string, target: { host: string; port: number }): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://front');
    const file = u.pathname === '/wall' ? path.join(dist, 'index.html') : u.pathname.startsWith('/assets/') ? path.join(dist, u.pathname) : null;
    if (file && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      createReadStream(file).pipe(res);
      return;
    }
    const up = http.request({ ...target, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (req, socket, head) => {
    const up = net.connect(target.port, target.host, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const distA = path.resolve(arg('a') ?? '');
const distB = path.resolve(arg('b') ?? 'dist/client');
for (const d of [distA, distB]) if (!existsSync(path.join(d, 'index.html'))) throw new Error(`no client build at ${d} (index.html missing)`);
const loads = Number(arg('loads') ?? 5);
const live = arg('live') !== 'off';

const bdb = await benchDb(process.env.DATABASE_URL, 'wallab');
try {
  await loadSampleStreet(bdb.db);
  const app = await startBenchApp(bdb.db, 'dispatcher');
  try {
    const password = randomBytes(12).toString('base64url');
    const username = `wall_ab_${randomBytes(3).toString('hex')}`;
    await createUser(bdb.db, { username, password, role: 'wall', displayName: '大屏' });
    const cookie = (await signIn(app.baseUrl, username, password)).cookie;
    const target = { host: '127.0.0.1', port: Number(new URL(app.baseUrl).port) };
    const fronts = { a: await frontServer(distA, target), b: await frontServer(distB, target) };
    // one warm-up load (not counted): the server's first requests (JIT, caches, the coverage graph) are paid once
    await (await openWall({ baseUrl: fronts.b.url, sessionCookie: cookie, width: 1920, height: 1080, live })).close();
    const times: Record<'a' | 'b', number[]> = { a: [], b: [] };
    const marks: Record<'a' | 'b', Array<Record<string, number>>> = { a: [], b: [] };
    const loadAvg: number[] = [];
    for (let i = 0; i < loads; i++) {
      // alternate which build goes first, so a drift in the machine's load hits both alike
      for (const v of i % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
        loadAvg.push(currentLoadAverage()[0]);
        const p = await openWall({ baseUrl: fronts[v].url, sessionCookie: cookie, width: 1920, height: 1080, live });
        times[v].push(p.firstRenderMs);
        marks[v].push(p.marks);
        console.log(`load ${i + 1} ${v}: ${p.firstRenderMs.toFixed(0)} ms (load ${currentLoadAverage()[0]}) ${Object.entries(p.marks).sort((x, y) => x[1] - y[1]).map(([k, t]) => `${k} ${t.toFixed(0)}`).join(', ')}`);
        await p.close();
      }
    }
    const ma = median(times.a);
    const mb = median(times.b);
    console.log(`\nfirst full render, median of ${loads}${live ? '' : ' (live=off)'}: a ${ma.toFixed(0)} ms, b ${mb.toFixed(0)} ms, b/a ${(mb / ma).toFixed(3)}; load average (1 min) ${Math.min(...loadAvg)}–${Math.max(...loadAvg)}`);
    for (const k of Object.keys(marks.b[0] ?? {})) {
      const va = median(marks.a.map((m) => m[k]).filter((x) => x != null));
      const vb = median(marks.b.map((m) => m[k]).filter((x) => x != null));
      console.log(`  ${k.padEnd(20)} a ${va.toFixed(0).padStart(6)}  b ${vb.toFixed(0).padStart(6)}`);
    }
    await fronts.a.close();
    await fronts.b.close();
  } finally {
    await app.close();
  }
} finally {
  await bdb.drop();
}
process.exit(0);
