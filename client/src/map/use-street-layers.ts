// Loads the street's static map data once (communities, grids, buildings, facilities, road labels) and the
// optional coverage rings. Each request is independent: one failing layer does not blank the others.
import { useEffect, useState } from 'react';
import { api } from '../api/http';
import type { BuildingCollection, CommunityCollection, FacilityCollection, GridCollection } from '../../../common/layers';
import type { RoadLabel } from '../layers/road-label-layer/road-label-layer';
import type { CoverageLayerProps } from '../layers/coverage-layer/coverage-layer';
import { streetBboxQuery } from './street-view';

export interface StreetLayers {
  communities: CommunityCollection | null;
  grids: GridCollection | null;
  buildings: BuildingCollection | null;
  facilities: FacilityCollection | null;
  roadLabels: RoadLabel[];
  coverage: CoverageLayerProps['data'];
  errors: string[];
}

/** bbox query over the data extent (large data), with a small margin. */
function extentQuery(b: readonly [number, number, number, number], zoom: number): string {
  const m = 0.005;
  return `bbox=${b[0] - m},${b[1] - m},${b[2] + m},${b[3] + m}&zoom=${zoom}`;
}

/**
 * `tiledExtent` (large data, from /api/layers/extent): grids and buildings are not loaded here (vector
 * tiles draw them); communities load simplified over the whole extent, for their labels only.
 */
export function useStreetLayers(opts: { coverageTypes?: readonly string[]; tiledExtent?: readonly [number, number, number, number] | null } = {}): StreetLayers {
  const [state, setState] = useState<StreetLayers>({ communities: null, grids: null, buildings: null, facilities: null, roadLabels: [], coverage: null, errors: [] });
  const coverageKey = (opts.coverageTypes ?? []).join(',');
  const tiledKey = opts.tiledExtent ? opts.tiledExtent.join(',') : '';
  useEffect(() => {
    const ctl = new AbortController();
    const set = (patch: Partial<StreetLayers>) => setState((s) => ({ ...s, ...patch }));
    const fail = (what: string) => (err: unknown) => {
      if ((err as Error).name !== 'AbortError') setState((s) => ({ ...s, errors: [...s.errors, `${what}: ${(err as Error).message}`] }));
    };
    if (tiledKey) {
      const b = tiledKey.split(',').map(Number) as [number, number, number, number];
      api.get<CommunityCollection>(`/api/layers/communities?${extentQuery(b, 12)}`, ctl.signal).then((communities) => set({ communities }), fail('communities'));
      api.get<FacilityCollection>(`/api/layers/facilities?${extentQuery(b, 16)}`, ctl.signal).then((facilities) => set({ facilities }), fail('facilities'));
      api.get<{ labels: RoadLabel[] }>('/api/basemap/labels', ctl.signal).then((r) => set({ roadLabels: r.labels }), fail('road labels'));
      return () => ctl.abort();
    }
    // polygons are simplified for street-scale zoom; buildings keep their detail (zoom 17)
    api.get<CommunityCollection>(`/api/layers/communities?${streetBboxQuery(14)}`, ctl.signal).then((communities) => set({ communities }), fail('communities'));
    api.get<GridCollection>(`/api/layers/grids?${streetBboxQuery(15)}`, ctl.signal).then((grids) => set({ grids }), fail('grids'));
    api.get<BuildingCollection>(`/api/layers/buildings?${streetBboxQuery(17)}`, ctl.signal).then((buildings) => set({ buildings }), fail('buildings'));
    api.get<FacilityCollection>(`/api/layers/facilities?${streetBboxQuery(16)}`, ctl.signal).then((facilities) => set({ facilities }), fail('facilities'));
    api.get<{ labels: RoadLabel[] }>('/api/basemap/labels', ctl.signal).then((r) => set({ roadLabels: r.labels }), fail('road labels'));
    // rings come from the coverage module (GET /api/coverage/isochrones?type=…, features carry `minutes`);
    // a type it does not answer simply draws no rings
    const types = coverageKey ? coverageKey.split(',') : [];
    if (types.length) {
      Promise.all(
        types.map((type) =>
          api.get<NonNullable<CoverageLayerProps['data']>>(`/api/coverage/isochrones?type=${encodeURIComponent(type)}`, ctl.signal).catch(() => null),
        ),
      ).then((answers) => {
        const features = answers.flatMap((a) => a?.features ?? []);
        if (features.length) set({ coverage: { type: 'FeatureCollection', features } });
      }, () => undefined);
    }
    return () => ctl.abort();
  }, [coverageKey, tiledKey]);
  return state;
}
