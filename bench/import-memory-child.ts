// Child process of bench/import-memory.ts: imports one OSM extract into a fresh database on one backend and
// prints, as one JSON line, the process's peak RSS (getrusage maxRSS: PGlite's WebAssembly heap is inside
// it) and, for the server backend, the peak resident memory of its PostgreSQL backend processes (VmHWM in
// /proc; the server runs on this machine). Run alone so each figure starts from a clean process.
import { readFile } from 'node:fs/promises';
import { benchDb } from './bench-app';
import { importOsmPbf } from '../server/import/osm/import-osm';

const [file, backend] = process.argv.slice(2);
const url = backend === 'pg' ? process.env.DATABASE_URL : undefined;
if (backend === 'pg' && !url) throw new Error('pg needs DATABASE_URL');
const target = await benchDb(url, 'impmem');
const baseRss = process.resourceUsage().maxRSS / 1024;
const t0 = performance.now();
const report = await importOsmPbf(target.db, file);
const ms = performance.now() - t0;
let serverPeakMb = 0;
if (url) {
  // Every backend of this database (the pool's connections) with its peak resident set.
  const pids = (await target.db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => Number(r.pid));
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    if (m) serverPeakMb += Number(m[1]) / 1024;
  }
}
const peakMb = process.resourceUsage().maxRSS / 1024;
await target.drop();
console.log(JSON.stringify({ backend, ms, peakMb, baseRssMb: baseRss, serverPeakMb, buildings: report.imported.buildings, walkEdges: report.imported.walk_edges }));
