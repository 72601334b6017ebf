// Child process of bench/import-memory.ts: the WHOLE OSM import (reader, assembly, validation, writing, snap)
// of one file into a fresh database on DATABASE_URL (PostgreSQL: the database's memory is in its own
// processes, so this process's figures are the import's), with the streaming import (`new`,
// server/import/osm/import-osm.ts) or main's whole-list import (`old`, bench/legacy-import-osm.ts). Prints one
// JSON line: rssGrowthMb (getrusage maxRSS minus RSS before the import), peakHeapMb (heap + external sampled
// every 5 ms, minus before), ms, and the rows written. Run with `node --expose-gc --import tsx`, one per round.
import { benchDb } from './bench-app';
import { importOsmPbf } from '../server/import/osm/import-osm';
import { importOsmPbfWhole } from './legacy-import-osm';

const [file, which] = process.argv.slice(2);
if (!file || (which !== 'old' && which !== 'new')) throw new Error('usage: import-whole-memory-child.ts FILE old|new');
const url = process.env.DATABASE_URL;
if (!url) throw new Error('needs DATABASE_URL (PostgreSQL)');
const mb = (n: number) => n / 2 ** 20;
const used = () => { const m = process.memoryUsage(); return m.heapUsed + m.external; };
const target = await benchDb(url, 'impwhole');
try {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) { gc?.(); await new Promise((resolve) => setImmediate(resolve)); }
  const base = used();
  const rssBefore = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => { peak = Math.max(peak, used()); }, 5);
  const t0 = performance.now();
  const report = which === 'new' ? await importOsmPbf(target.db, file) : await importOsmPbfWhole(target.db, file);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, used());
  const rssGrowthMb = mb(process.resourceUsage().maxRSS * 1024 - rssBefore);
  console.log(JSON.stringify({ which, ms, rssGrowthMb, peakHeapMb: mb(peak - base), buildings: report.imported.buildings, walkEdges: report.imported.walk_edges, basemap: report.imported.basemap_features }));
} finally {
  await target.drop();
}
