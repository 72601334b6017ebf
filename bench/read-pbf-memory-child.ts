// Child process of bench/import-memory.ts and tests/import/read-pbf-memory.test.ts: reads one PBF with the
// import's reader (`new`: server/import/osm/read-pbf.ts, three passes, only what the import keeps) or the
// old one (`old`: bench/legacy-read-pbf.ts, everything in Maps and arrays) and prints one JSON line:
//   retainedMb  memory the result holds after a full GC (V8 heap + external: typed arrays live outside the heap)
//   peakMb      highest heap + external seen while reading and resolving, sampled every 5 ms, minus the start
//   rssGrowthMb peak RSS of the process (getrusage maxRSS) minus its RSS before reading, through the read and
//               the resolve step below
//   resolveMs   time to look up the coordinates of every ref of every kept way, in file order (what the
//               import's one loop over the ways does); `refsMissing` counts refs with no coordinates
// Run with `node --expose-gc --import tsx`; each reader in a fresh process so neither sees the other's garbage.
import { readPbf } from '../server/import/osm/read-pbf';
import { OSM_IMPORT_SELECTION } from '../server/import/osm/import-osm';
import { readPbfWhole } from './legacy-read-pbf';

const [file, which] = process.argv.slice(2);
if (!file || (which !== 'old' && which !== 'new')) throw new Error('usage: read-pbf-memory-child.ts FILE old|new');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const mb = (n: number) => n / 2 ** 20;
const used = () => { const m = process.memoryUsage(); return m.heapUsed + m.external; };
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

await settle();
const base = used();
const rssBefore = process.memoryUsage().rss;
let peak = base;
const sampler = setInterval(() => { peak = Math.max(peak, used()); }, 5);
const t0 = performance.now();
const result = which === 'new' ? await readPbf(file, OSM_IMPORT_SELECTION) : await readPbfWhole(file);
const ms = performance.now() - t0;
peak = Math.max(peak, used());
// Buffers outside the heap (zlib's, the file reader's) are released by finalizers that run after a GC, on a
// later turn: collect until the figure settles, or one run reads 90 MB and the next 108 MB for the same result.
await settle();
const retained = used() - base;
const t1 = performance.now();
let refsResolved = 0;
let refsMissing = 0;
for (const w of result.ways) {
  for (const ref of w.refs) {
    if (result.coords.get(ref)) refsResolved++;
    else refsMissing++;
  }
}
const resolveMs = performance.now() - t1;
clearInterval(sampler);
peak = Math.max(peak, used());
const rssGrowth = process.resourceUsage().maxRSS * 1024 - rssBefore;
const counts = 'stats' in result
  ? { nodesRead: result.stats.nodesRead, nodesKept: result.stats.nodeCoordsKept, refsKept: result.stats.refsKept, tempMb: mb(result.stats.tempBytes), waysRead: result.stats.waysRead, ways: result.ways.length, relations: result.relations.length }
  : { nodesRead: result.coords.size, nodesKept: result.coords.size, refsKept: null, tempMb: 0, waysRead: result.ways.length, ways: result.ways.length, relations: result.relations.length };
if ('close' in result) await result.close(); // the reader's temporary files
console.log(JSON.stringify({ which, ms, resolveMs, retainedMb: mb(retained), peakMb: mb(peak - base), rssGrowthMb: mb(rssGrowth), refsResolved, refsMissing, ...counts }));
