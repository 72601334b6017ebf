// React side of view-window.ts: the window follows the camera when it comes to rest, and large data's
// names and symbols are cut down to it. On a street (not tiled) both hooks hand the data through unchanged.
import { useEffect, useMemo, useState } from 'react';
import type { Map as MaplibreMap } from 'maplibre-gl';
import { labelsInWindow, padBbox, sameWindow, type ViewWindow } from './view-window';
import { useStreetLayers, type StreetLayers } from './use-street-layers';
import type { MapExtent } from './layer-extent-gate';

/** The padded view bounds and zoom, updated on `moveend` (never during a pan); null until the map exists. */
export function useViewWindow(map: MaplibreMap | null, enabled: boolean): ViewWindow | null {
  const [win, setWin] = useState<ViewWindow | null>(null);
  useEffect(() => {
    if (!map || !enabled) return;
    const update = () => {
      const b = map.getBounds();
      const next: ViewWindow = { bbox: padBbox([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]), zoom: map.getZoom() };
      setWin((prev) => (sameWindow(prev, next) ? prev : next));
    };
    update();
    map.on('moveend', update);
    return () => {
      map.off('moveend', update);
    };
  }, [map, enabled]);
  return enabled ? win : null;
}

/** Tiled data: only the community names, facilities and road names in the window; otherwise `data` itself. */
export function useWindowedLabels(data: StreetLayers, win: ViewWindow | null, tiled: boolean): StreetLayers {
  const { communities, facilities, roadLabels } = data;
  const windowed = useMemo(
    () => (tiled ? labelsInWindow({ communities, facilities, roadLabels }, win) : null),
    [tiled, communities, facilities, roadLabels, win],
  );
  return useMemo(() => (windowed ? { ...data, ...windowed } : data), [data, windowed]);
}

/**
 * A page's map data at any scale: `data` is everything loaded (names for lists and scenes), `shown` what
 * the map draws (on large data, names and symbols near the view only), `viewZoom` the resting zoom (large
 * data only, for streetLayers); hand `setMap` the map once ready.
 */
export function useScaledStreetLayers(extent: MapExtent, opts: { coverageTypes?: readonly string[]; coverageReady?: boolean } = {}) {
  const data = useStreetLayers({ ...opts, tiledExtent: extent.tiled ? extent.bbox : null });
  const [map, setMap] = useState<MaplibreMap | null>(null);
  const win = useViewWindow(map, extent.tiled);
  const shown = useWindowedLabels(data, win, extent.tiled);
  return { data, shown, setMap, viewZoom: win?.zoom ?? null };
}
