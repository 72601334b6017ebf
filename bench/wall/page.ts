// The wall page in real Chromium for the `wall` benchmark: a cold browser per page (fresh profile, empty
// cache), the wall user's session cookie set before navigating (no sign-in form in the timing), the time
// from navigation start to the first full render, and the page's own counters over CDP.
import type { CDPSession } from 'playwright-core';
import { launchBrowser, type BrowserSession } from '../../tests/helpers/browser';

/** Every layer of the wall (as the wall test waits for them) must have drawn before a render is "full". */
export const WALL_LAYERS = ['communities-polygons', 'grids-polygons', 'buildings-footprints', 'incidents-points', 'parking-lots', 'violations-points'];

export interface WallPage {
  b: BrowserSession;
  cdp: CDPSession;
  /** Navigation start → all wall layers drawn, the live snapshot applied and the KPI panel filled (ms). */
  firstRenderMs: number;
  /** Milestones (ms since navigation start): domContentLoaded, shell (React mounted), map_created / map_styleLoaded / map_firstRender / map_sourcesLoaded (MapLibre on the way to its `load`), mapReady, snapshot, layers, connected (live socket up; not part of the full render), rings and trend (coverage rings drawn, trend chart's canvas made: after the full render). */
  marks: Record<string, number>;
  metrics(): Promise<Record<string, number>>;
  /** JS heap in use after forcing a full garbage collection (bytes). */
  heapAfterGc(): Promise<number>;
  /** How many of these incident ids the page's live store holds. */
  countApplied(ids: number[]): Promise<number>;
  close(): Promise<void>;
}

export async function openWall(opts: {
  baseUrl: string;
  sessionCookie: string;
  width: number;
  height: number;
  live: boolean;
  /** Runs once the browser is up, just before navigating (bench/wall-trace.ts starts its trace there). */
  beforeNavigate?: (b: BrowserSession) => Promise<void>;
}): Promise<WallPage> {
  const b = await launchBrowser({ width: opts.width, height: opts.height });
  try {
    const [name, value] = opts.sessionCookie.split('=');
    await b.context.addCookies([{ name, value, url: opts.baseUrl }]);
    // milestones on the way to the full render, sampled by the page itself (ms since navigation start); a
    // string, because tsx would wrap named inner functions of a compiled function in a helper the page lacks
    await b.context.addInitScript(`(() => {
      const layers = ${JSON.stringify(WALL_LAYERS)};
      const marks = {};
      window.__wallMarks = marks;
      const timer = setInterval(() => {
        const g = window.__gcc;
        const now = performance.now();
        const ids = (g && g.renderedLayerIds()) || [];
        const seen = {
          shell: document.querySelector('[data-testid="wall"]') != null,
          mapReady: !!(g && g.mapReady),
          snapshot: !!(g && g.lastEventId != null),
          layers: layers.every((id) => ids.includes(id)),
          connected: !!(g && g.connected),
          // after the full render (the wall defers them to its first idle moment): when the page is complete
          rings: ids.some((id) => id.startsWith('coverage')),
          trend: document.querySelector('[data-testid="trend-chart"] canvas') != null,
        };
        for (const k of Object.keys(seen)) if (seen[k] && marks[k] == null) marks[k] = now;
        // drawn is not shown: in software WebGL the GPU process rasterises deck.gl's first frame for seconds after
        // the layers are set up (traced: one SwapBuffers of 2.5 s). Chromium starts no new frame while one is
        // pending, so the second animation frame after the layers came is the frame that shows them.
        if (marks.layers != null && marks.presented == null && !marks.__rafAsked) {
          marks.__rafAsked = now;
          requestAnimationFrame(() => requestAnimationFrame(() => { marks.presented = performance.now(); }));
        }
        if (Object.keys(seen).every((k) => marks[k] != null) && marks.presented != null || now > 60000) clearInterval(timer);
      }, 50);
    })();`);
    await opts.beforeNavigate?.(b);
    await b.page.goto(`${opts.baseUrl}/wall${opts.live ? '' : '?live=off'}`);
    const handle = await b.page.waitForFunction(
      (layers) => {
        const g = window.__gcc;
        if (!g?.mapReady || g.lastEventId == null) return false;
        const ids = g.renderedLayerIds();
        if (!layers.every((id) => ids.includes(id))) return false;
        const kpi = document.querySelector('[data-kpi="households"] .kpi-value')?.textContent?.trim() ?? '';
        if (kpi === '' || kpi === '—') return false;
        // performance.now() counts from the navigation start of this document
        return performance.now();
      },
      WALL_LAYERS,
      { timeout: 90_000, polling: 50 },
    );
    const firstRenderMs = Number(await handle.jsonValue());
    // the rings and the trend come after the full render: wait for them (≤ 30 s) so the marks say when the page was complete
    await b.page
      .waitForFunction(() => {
        const m = (window as unknown as { __wallMarks: Record<string, number> }).__wallMarks;
        return m.rings != null && m.trend != null && m.presented != null;
      }, undefined, { timeout: 30_000, polling: 100 })
      .catch(() => undefined);
    const marks = await b.page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const map = Object.fromEntries(Object.entries(window.__gcc?.mapMarks ?? {}).map(([k, v]) => [`map_${k}`, v]));
      const { __rafAsked: _asked, ...own } = (window as unknown as { __wallMarks: Record<string, number> }).__wallMarks;
      return { ...own, ...map, domContentLoaded: nav?.domContentLoadedEventEnd ?? NaN };
    });
    const cdp = await b.context.newCDPSession(b.page);
    await cdp.send('Performance.enable');
    const metrics = async () => {
      const m = await cdp.send('Performance.getMetrics');
      return Object.fromEntries(m.metrics.map((x) => [x.name, x.value]));
    };
    return {
      b,
      cdp,
      firstRenderMs,
      marks,
      metrics,
      async heapAfterGc() {
        await cdp.send('HeapProfiler.collectGarbage');
        await cdp.send('HeapProfiler.collectGarbage');
        return (await metrics()).JSHeapUsedSize;
      },
      countApplied: (ids) =>
        b.page.evaluate((wanted) => {
          const have = new Set(window.__gcc?.incidentIds() ?? []);
          return wanted.filter((id) => have.has(id)).length;
        }, ids),
      close: () => b.close(),
    };
  } catch (err) {
    await b.close();
    throw err;
  }
}
