// Pans the map of an open page along a path and measures what a person sees: frame intervals (from
// requestAnimationFrame in the page) and long main-thread tasks. Shared by the city-scale browser test and
// the `pan` benchmark, so both measure the same thing the same way.
import type { Page } from 'playwright-core';
import type { Bbox } from '../../client/src/map/view-window';

export type { Bbox };

export interface PanFigures {
  frames: number;
  p50: number;
  p95: number;
  max: number;
  /** Share of 60 Hz vsyncs without a new frame. */
  droppedShare: number;
  longTasks: number;
  longestTaskMs: number;
  durationMs: number;
}

/**
 * Eases the camera through `legs` (legMs each) at `zoom`, recording frame intervals and long tasks. A
 * string, not a function: tsx (the benchmarks) wraps named inner functions in a helper the page lacks.
 */
export async function panAcross(page: Page, legs: Array<[number, number]>, zoom = 15, legMs = 2500): Promise<PanFigures> {
  return (await page.evaluate(`(async (legs, zoom, legMs) => {
    const g = window.__gcc;
    if (!g) throw new Error('no test hook');
    const intervals = [];
    const tasks = [];
    const obs = new PerformanceObserver((list) => list.getEntries().forEach((en) => tasks.push(en.duration)));
    obs.observe({ type: 'longtask', buffered: false });
    let running = true;
    let last = performance.now();
    function tick(now) {
      intervals.push(now - last);
      last = now;
      if (running) requestAnimationFrame(tick);
    }
    requestAnimationFrame(function (now) { last = now; requestAnimationFrame(tick); });
    const t0 = performance.now();
    for (const [lon, lat] of legs) await g.easeTo(lon, lat, zoom, legMs);
    running = false;
    obs.disconnect();
    const sorted = [...intervals].sort((a, b) => a - b);
    const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    // a frame "drops" when an interval spans more than one 60 Hz vsync
    const expected = intervals.reduce((acc, v) => acc + Math.max(1, Math.round(v / (1000 / 60))), 0);
    return {
      frames: intervals.length,
      p50: q(0.5),
      p95: q(0.95),
      max: sorted[sorted.length - 1],
      droppedShare: expected ? (expected - intervals.length) / expected : 0,
      longTasks: tasks.length,
      longestTaskMs: tasks.length ? Math.max(...tasks) : 0,
      durationMs: performance.now() - t0,
    };
  })(${JSON.stringify(legs)}, ${zoom}, ${legMs})`)) as PanFigures;
}

/** A loop over the middle 60 % of a box: the same path for every data set, whatever its size. */
export function legsAcross([w, s, e, n]: Bbox): Array<[number, number]> {
  return [
    [w + (e - w) * 0.2, s + (n - s) * 0.2],
    [w + (e - w) * 0.8, s + (n - s) * 0.2],
    [w + (e - w) * 0.8, s + (n - s) * 0.8],
    [w + (e - w) * 0.2, s + (n - s) * 0.8],
  ];
}

/** The same loop scaled to a box of `widthDeg` around the centre of `bbox` (equal distance on any data set). */
export function legsAround(bbox: Bbox, widthDeg: number, heightDeg: number): Array<[number, number]> {
  const cx = (bbox[0] + bbox[2]) / 2;
  const cy = (bbox[1] + bbox[3]) / 2;
  return legsAcross([cx - widthDeg / 2, cy - heightDeg / 2, cx + widthDeg / 2, cy + heightDeg / 2]);
}

export const describePan = (f: PanFigures) =>
  `${(f.durationMs / 1000).toFixed(1)} s, ${f.frames} frames, frame p50 ${f.p50.toFixed(0)} ms, p95 ${f.p95.toFixed(0)} ms, max ${f.max.toFixed(0)} ms, ` +
  `dropped ${(f.droppedShare * 100).toFixed(1)} %, long tasks ${f.longTasks} (longest ${f.longestTaskMs.toFixed(0)} ms)`;
