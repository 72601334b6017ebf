// How large the map data is (GET /api/layers/extent): decides between GeoJSON (a street) and vector tiles
// (a district or a city). Until it answers, `ready` is false; if it fails, the page falls back to GeoJSON.
import { useEffect, useState } from 'react';
import { api } from '../api/http';

export interface LayerExtent {
  bbox: [number, number, number, number] | null;
  counts: { communities: number; grids: number; buildings: number };
  tiled: boolean;
  threshold: number;
}

export function useLayerExtent(): { ready: boolean; extent: LayerExtent | null } {
  const [state, setState] = useState<{ ready: boolean; extent: LayerExtent | null }>({ ready: false, extent: null });
  useEffect(() => {
    const ctl = new AbortController();
    api.get<LayerExtent>('/api/layers/extent', ctl.signal).then(
      (extent) => setState({ ready: true, extent }),
      (err: unknown) => {
        if ((err as Error).name !== 'AbortError') setState({ ready: true, extent: null });
      },
    );
    return () => ctl.abort();
  }, []);
  return state;
}
