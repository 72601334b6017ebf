// Sums a V8 CPU profile (.cpuprofile, from node --cpu-prof or node:inspector) by self time: per module
// (a package under node_modules, a folder of ours, Node's internals, V8's own buckets such as GC and idle)
// and per function. Self time is where the CPU actually was; a module's share is of the busy time (total
// minus idle). Used by bench/ingest-profile.ts; runnable alone on any profile:
//
//   npx tsx bench/cpuprofile-summary.ts file.cpuprofile [topN]
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The module a script URL belongs to: `pkg:<name>` under node_modules, `ours:<dir>/…`, or `node:…`. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native/V8)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `pkg:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*$/, 'node:internal/$1');
  const m = /\/(server|common|bench)\/(.+?)(?:\/[^/]+)?$/.exec(url.replace(/^file:\/\//, ''));
  if (m) return `ours:${m[1]}/${m[2].split('/')[0]}`;
  return url;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  byModule: Array<{ module: string; ms: number; pct: number }>;
  byFunction: Array<{ fn: string; module: string; ms: number; pct: number }>;
  /** Time with the module anywhere on the stack (inclusive: a middleware and everything it called). */
  onStack: Array<{ module: string; ms: number; pct: number }>;
}

export function summarise(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attribute it to sample i (V8's own convention in DevTools)
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const onStack = new Map<string, number>();
  const mods = new Map<string, number>();
  const fns = new Map<string, { module: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') idle += us;
    const mod = moduleOf(url, functionName);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)?.callFrame;
      if (cf) seen.add(moduleOf(cf.url, cf.functionName));
    }
    for (const m of seen) onStack.set(m, (onStack.get(m) ?? 0) + us);
    mods.set(mod, (mods.get(mod) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`.trim();
    const f = fns.get(key) ?? { module: mod, us: 0 };
    f.us += us;
    fns.set(key, f);
  }
  const busy = total - idle;
  const pct = (us: number) => Math.round((us / busy) * 1000) / 10;
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    busyMs: busy / 1000,
    byModule: [...mods.entries()].filter(([m]) => m !== '(idle)').sort((a, b) => b[1] - a[1]).map(([module, us]) => ({ module, ms: Math.round(us / 100) / 10, pct: pct(us) })),
    onStack: [...onStack.entries()].filter(([m]) => m !== '(idle)' && m !== '(root)').sort((a, b) => b[1] - a[1]).map(([module, us]) => ({ module, ms: Math.round(us / 100) / 10, pct: pct(us) })),
    byFunction: [...fns.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1].us - a[1].us).map(([fn, f]) => ({ fn, module: f.module, ms: Math.round(f.us / 100) / 10, pct: pct(f.us) })),
  };
}

/** A readable summary: busy time, the top modules and the top functions by self time. */
export function summariseProfile(profile: CpuProfile, top = 25): string {
  const s = summarise(profile);
  const lines = [`profile: ${s.totalMs.toFixed(0)} ms sampled, idle ${s.idleMs.toFixed(0)} ms, busy ${s.busyMs.toFixed(0)} ms (shares below are of busy)`, '', 'self time by module:'];
  for (const m of s.byModule.slice(0, top)) lines.push(`  ${m.pct.toFixed(1).padStart(5)}%  ${m.ms.toFixed(0).padStart(6)} ms  ${m.module}`);
  lines.push('', 'time with the module on the stack (inclusive):');
  for (const m of s.onStack.slice(0, top)) lines.push(`  ${m.pct.toFixed(1).padStart(5)}%  ${m.ms.toFixed(0).padStart(6)} ms  ${m.module}`);
  lines.push('', 'self time by function:');
  for (const f of s.byFunction.slice(0, top)) lines.push(`  ${f.pct.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ${f.fn}  [${f.module}]`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx bench/cpuprofile-summary.ts file.cpuprofile [topN]');
    process.exit(2);
  }
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  console.log(summariseProfile(profile, Number(process.argv[3] ?? 30)));
}
