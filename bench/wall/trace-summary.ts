// Reads a Chromium trace (CDP Tracing, JSON "traceEvents") of one cold /wall load and says where the time went:
// the requests (who asked, when sent, when answered, bytes on the wire), the page's main thread in 100 ms
// buckets (busy ms and what kept it busy), and the GPU process's main thread (SwiftShader rasterises there).
// Pure functions over the event list, so the summary can be re-run on a saved trace (bench/wall-trace.ts).

export interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: Record<string, unknown> } & Record<string, unknown>;
}

export interface RequestSpan {
  url: string;
  /** ms after navigation start */
  sent: number;
  response: number | null;
  finished: number | null;
  encodedBytes: number | null;
  decodedBytes: number | null;
  /** 'page' or 'worker' (MapLibre's workers fetch the basemap data themselves) */
  from: string;
}

export interface Bucket {
  /** bucket start, ms after navigation start */
  at: number;
  busyMs: number;
  /** what the busy time was, largest first: [label, ms] */
  top: Array<[string, number]>;
}

export interface TraceSummary {
  navigationStartTs: number;
  requests: RequestSpan[];
  main: Bucket[];
  gpu: Bucket[];
  /** busy ms by label over the whole load (main thread), largest first */
  mainTotals: Array<[string, number]>;
  gpuTotals: Array<[string, number]>;
}

const shortUrl = (u: unknown): string => {
  if (typeof u !== 'string' || !u) return '';
  try {
    const url = new URL(u);
    const file = url.pathname.split('/').pop() || url.pathname;
    // hashed chunk names: keep the readable part (path-layer-Bdyh_2q8.js → path-layer.js)
    return file.replace(/-[A-Za-z0-9_]{8}\.(m?js)$/, '.$1');
  } catch {
    return String(u).slice(0, 40);
  }
};

/** A label for what a slice of main-thread time was doing, from the most telling event inside a task. */
function labelOf(e: TraceEvent): string | null {
  const d = (e.args?.data ?? {}) as Record<string, unknown>;
  switch (e.name) {
    case 'EvaluateScript':
    case 'v8.evaluateModule':
      return `evaluate ${shortUrl(d.url ?? (e.args as Record<string, unknown>)?.url)}`.trim();
    case 'v8.compile':
    case 'v8.compileModule':
    case 'V8.CompileCode':
      return `compile ${shortUrl(d.url ?? (e.args as Record<string, unknown>)?.fileName)}`.trim();
    case 'FunctionCall': {
      const fn = typeof d.functionName === 'string' && d.functionName ? d.functionName : '(anonymous)';
      return `js ${shortUrl(d.url)}:${fn}`;
    }
    case 'TimerFire':
      return 'timer';
    case 'FireAnimationFrame':
      return 'requestAnimationFrame';
    case 'EventDispatch':
      return `event ${String(d.type ?? '')}`;
    case 'ParseHTML':
      return 'parse HTML';
    case 'ParseAuthorStyleSheet':
      return 'parse CSS';
    case 'UpdateLayoutTree':
    case 'Layout':
      return 'style+layout';
    case 'Paint':
    case 'PaintImage':
    case 'UpdateLayer':
    case 'Layerize':
    case 'PrePaint':
      return 'paint';
    case 'MajorGC':
    case 'MinorGC':
    case 'V8.GC_MC_BACKGROUND_MARKING':
      return 'GC';
    case 'XHRReadyStateChange':
    case 'ResourceReceivedData':
      return 'network callback';
    default:
      return null;
  }
}

// Nested events in priority: a compile or evaluate inside a FunctionCall says more than the call itself.
const PRIORITY = ['compile', 'evaluate', 'js', 'requestAnimationFrame', 'timer', 'event', 'parse HTML', 'parse CSS', 'style+layout', 'paint', 'GC', 'network callback'];
const rank = (label: string) => {
  const i = PRIORITY.findIndex((p) => label.startsWith(p));
  return i < 0 ? PRIORITY.length : i;
};

function threadOf(events: TraceEvent[], threadName: string, pid?: number): Array<{ pid: number; tid: number }> {
  return events
    .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === threadName && (pid == null || e.pid === pid))
    .map((e) => ({ pid: e.pid, tid: e.tid }));
}

/**
 * Busy time of one thread in buckets. A top-level task's time is split among the labelled events inside it
 * (each labelled event's own time, nested labelled events taken out); what no labelled event covers is "other".
 */
function buckets(events: TraceEvent[], pid: number, tid: number, t0: number, endMs: number, bucketMs: number): { buckets: Bucket[]; totals: Array<[string, number]> } {
  const mine = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.dur != null).sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const tasks = mine.filter((e) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask');
  const n = Math.ceil(endMs / bucketMs);
  const acc: Array<Map<string, number>> = Array.from({ length: n }, () => new Map());
  const totals = new Map<string, number>();
  const add = (label: string, fromUs: number, toUs: number) => {
    for (let a = fromUs; a < toUs; ) {
      const ms = (a - t0) / 1000;
      const k = Math.floor(ms / bucketMs);
      const bucketEndUs = t0 + (k + 1) * bucketMs * 1000;
      const b = Math.min(toUs, bucketEndUs);
      if (k >= 0 && k < n) {
        const m = acc[k];
        m.set(label, (m.get(label) ?? 0) + (b - a) / 1000);
        totals.set(label, (totals.get(label) ?? 0) + (b - a) / 1000);
      }
      a = b;
    }
  };
  // only the outermost task of a nest counts (RunTask inside ThreadControllerImpl::RunTask)
  let lastEnd = -Infinity;
  let j = 0;
  for (const task of tasks) {
    const start = task.ts;
    const end = task.ts + (task.dur ?? 0);
    if (start < lastEnd) continue;
    lastEnd = end;
    while (j < mine.length && mine[j].ts < start) j++;
    // labelled events inside the task, as a flat timeline: at each instant the best-ranked enclosing label wins
    const inside: Array<{ from: number; to: number; label: string }> = [];
    for (let k = j; k < mine.length && mine[k].ts < end; k++) {
      const l = labelOf(mine[k]);
      if (l) inside.push({ from: mine[k].ts, to: Math.min(end, mine[k].ts + (mine[k].dur ?? 0)), label: l });
    }
    const cuts = [...new Set([start, end, ...inside.flatMap((s) => [s.from, s.to])])].filter((c) => c >= start && c <= end).sort((a, b) => a - b);
    for (let c = 0; c + 1 < cuts.length; c++) {
      const a = cuts[c];
      const b = cuts[c + 1];
      let best: string | null = null;
      for (const s of inside) if (s.from <= a && s.to >= b && (best == null || rank(s.label) < rank(best) || (rank(s.label) === rank(best) && s.label.length > best.length))) best = s.label;
      add(best ?? 'other', a, b);
    }
  }
  const out: Bucket[] = acc.map((m, k) => ({
    at: k * bucketMs,
    busyMs: [...m.values()].reduce((s, v) => s + v, 0),
    top: [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3),
  }));
  return { buckets: out, totals: [...totals.entries()].sort((a, b) => b[1] - a[1]) };
}

export function summariseTrace(events: TraceEvent[], pageUrlPart: string, endMs: number, bucketMs = 100): TraceSummary {
  const nav = events.find((e) => e.name === 'navigationStart' && String((e.args?.data as Record<string, unknown> | undefined)?.documentLoaderURL ?? '').includes(pageUrlPart));
  if (!nav) throw new Error(`no navigationStart for a URL containing ${pageUrlPart} in the trace`);
  const t0 = nav.ts;
  const rel = (ts: number) => (ts - t0) / 1000;

  // requests: ResourceSendRequest / ReceiveResponse / Finish share a requestId (the page's and its workers')
  const byId = new Map<string, RequestSpan>();
  const workerThreads = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && /Worker/.test(String(e.args?.name))).map((e) => `${e.pid}:${e.tid}`));
  for (const e of events) {
    const d = e.args?.data as Record<string, unknown> | undefined;
    const id = d?.requestId as string | undefined;
    if (!id) continue;
    if (e.name === 'ResourceSendRequest') {
      byId.set(id, { url: String(d?.url ?? ''), sent: rel(e.ts), response: null, finished: null, encodedBytes: null, decodedBytes: null, from: workerThreads.has(`${e.pid}:${e.tid}`) ? 'worker' : 'page' });
    } else if (e.name === 'ResourceReceiveResponse') {
      const r = byId.get(id);
      if (r) r.response = rel(e.ts);
    } else if (e.name === 'ResourceFinish') {
      const r = byId.get(id);
      if (r) {
        r.finished = rel(Number(d?.finishTime) > 0 ? Number(d?.finishTime) * 1e6 : e.ts);
        r.encodedBytes = Number(d?.encodedDataLength ?? NaN);
        r.decodedBytes = Number(d?.decodedBodyLength ?? NaN);
      }
    }
  }
  const requests = [...byId.values()].filter((r) => r.sent >= -50).sort((a, b) => a.sent - b.sent);

  const main = threadOf(events, 'CrRendererMain', nav.pid).find((t) => t.tid === nav.tid) ?? threadOf(events, 'CrRendererMain', nav.pid)[0];
  if (!main) throw new Error('no renderer main thread in the trace');
  const gpu = threadOf(events, 'CrGpuMain')[0];
  const m = buckets(events, main.pid, main.tid, t0, endMs, bucketMs);
  const g = gpu ? buckets(events, gpu.pid, gpu.tid, t0, endMs, bucketMs) : { buckets: [], totals: [] };
  return { navigationStartTs: t0, requests, main: m.buckets, gpu: g.buckets, mainTotals: m.totals, gpuTotals: g.totals };
}

/** The summary as text: requests, then one line per bucket. */
export function formatSummary(s: TraceSummary, marks: Record<string, number>): string {
  const f = (v: number | null) => (v == null ? '     -' : v.toFixed(0).padStart(6));
  const lines: string[] = ['requests (ms after navigation start: sent, first byte, finished; bytes on the wire / decoded)'];
  for (const r of s.requests) {
    const u = new URL(r.url, 'http://x');
    const name = u.pathname.startsWith('/assets/') ? shortUrl(r.url) : `${u.pathname}${u.search}`.slice(0, 70);
    lines.push(`${f(r.sent)} ${f(r.response)} ${f(r.finished)}  ${String(r.encodedBytes ?? '').padStart(8)} / ${String(r.decodedBytes ?? '').padStart(8)}  ${r.from.padEnd(6)} ${name}`);
  }
  lines.push('', 'milestones (ms): ' + Object.entries(marks).sort((a, b) => a[1] - b[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
  lines.push('', 'main thread / GPU main thread, per 100 ms: busy ms and what');
  for (let i = 0; i < s.main.length; i++) {
    const b = s.main[i];
    const gb = s.gpu[i];
    const here = Object.entries(marks).filter(([, v]) => v >= b.at && v < b.at + 100).map(([k]) => k);
    const what = b.top.map(([l, ms]) => `${l} ${ms.toFixed(0)}`).join(', ');
    const gpuWhat = gb ? `${gb.busyMs.toFixed(0).padStart(3)}` : '  -';
    lines.push(`${String(b.at).padStart(5)} main ${b.busyMs.toFixed(0).padStart(3)} | gpu ${gpuWhat} | ${what}${here.length ? `   <- ${here.join(', ')}` : ''}`);
  }
  lines.push('', 'main thread totals (ms): ' + s.mainTotals.slice(0, 25).map(([l, ms]) => `${l} ${ms.toFixed(0)}`).join('; '));
  lines.push('GPU main thread totals (ms): ' + s.gpuTotals.slice(0, 8).map(([l, ms]) => `${l} ${ms.toFixed(0)}`).join('; '));
  return lines.join('\n');
}
