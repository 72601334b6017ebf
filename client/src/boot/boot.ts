// The first thing the page runs (main.tsx), before the app's 2.5 MB of script has loaded: it sends the requests
// the first screen will make anyway, so that they run in parallel with loading and evaluating the script instead
// of one after another behind it (prefetch.ts says how an answer is handed over, and when it is not used).
//
// Every signed-in page asks for its session first. The wall (a cold display has to show the whole street in
// under 3 s, QUALITY.md) also starts its own chunk and, once the session is good, the live snapshot, the dataset
// badge, the extent and — once the extent says which — the street's layers and the basemap style and data
// MapLibre will fetch itself.
import { prefetch, warmHttpCache } from './prefetch';
import { basemapStylePath, streetLayerPaths } from '../map/street-layer-paths';
import { isPublicSpaPath } from '../../../common/spa-routes';


interface ExtentAnswer {
  tiled?: boolean;
  bbox?: [number, number, number, number] | null;
}

export function startBoot(location: Pick<Location, 'pathname'>): void {
  // Public pages have no session to ask for, and the sign-in page has none yet.
  if (isPublicSpaPath(location.pathname) || location.pathname === '/login') return;
  const session = prefetch('/api/auth/me');
  if (location.pathname !== '/wall') return;
  // the wall's chunk and everything it imports, fetched now; app.tsx's lazy() then finds it loaded
  import('../wall/wall-page').catch(() => undefined);
  // the data only once the session is known to be good: a display not signed in yet would only collect 401s
  session.then((r) => r.ok && bootWallData(), () => undefined);
}

function bootWallData(): void {
  prefetch('/api/dataset');
  // both the live page and ?live=off load the snapshot at once (use-live.ts)
  prefetch('/api/live/snapshot');
  prefetch('/api/layers/extent')
    .then((r) => (r.ok ? (r.clone().json() as Promise<ExtentAnswer>) : null))
    .then((extent) => {
      if (!extent) return; // the server is unwell: the page will ask itself
      // the same rule as layer-extent-gate.tsx: tiled only with a bbox
      const tiledBbox = extent.tiled && extent.bbox ? extent.bbox : null;
      const paths = streetLayerPaths(tiledBbox);
      for (const p of [paths.communities, paths.grids, paths.buildings, paths.facilities, paths.roadLabels]) if (p) prefetch(p);
      // MapLibre fetches its style (main thread) and GeoJSON (in its worker) itself: both are cacheable
      // (private, max-age=300), so a finished or in-flight request here is what its own request is answered from
      warmHttpCache(basemapStylePath('dark', tiledBbox != null));
      if (!tiledBbox) warmHttpCache('/api/basemap/features.geojson');
    })
    .catch(() => undefined);
}
