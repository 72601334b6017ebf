// Loads the street's static map data once (communities, grids, buildings, facilities, road labels) and the
// optional coverage rings. Each request is independent: one failing layer does not blank the others.
import { useEffect, useState } from 'react';
import { api } from '../api/http';
import type { BuildingCollection, CommunityCollection, FacilityCollection, GridCollection } from '../../../common/layers';
import type { RoadLabel } from '../layers/road-label-layer/road-label-layer';
import type { CoverageLayerProps } from '../layers/coverage-layer/coverage-layer';
import { streetLayerPaths } from './street-layer-paths';

export interface StreetLayers {
  communities: CommunityCollection | null;
  grids: GridCollection | null;
  buildings: BuildingCollection | null;
  facilities: FacilityCollection | null;
  roadLabels: RoadLabel[];
  coverage: CoverageLayerProps['data'];
  errors: string[];
}

/**
 * `tiledExtent` (large data, from /api/layers/extent): grids and buildings are not loaded here (vector
 * tiles draw them); communities load simplified over the whole extent, for their labels only.
 */
export function useStreetLayers(
  opts: {
    coverageTypes?: readonly string[];
    tiledExtent?: readonly [number, number, number, number] | null;
    /**
     * False holds the rings' requests back (default true). The wall asks for them once its first full frame is
     * drawn: computing them is seconds of server CPU on a cold server, and drawing them is one more deck.gl
     * layer on the way to that frame, while the rings are not what a hall needs to see first.
     */
    coverageReady?: boolean;
  } = {},
): StreetLayers {
  const [state, setState] = useState<StreetLayers>({ communities: null, grids: null, buildings: null, facilities: null, roadLabels: [], coverage: null, errors: [] });
  const coverageKey = (opts.coverageTypes ?? []).join(',');
  const tiledKey = opts.tiledExtent ? opts.tiledExtent.join(',') : '';
  useEffect(() => {
    const ctl = new AbortController();
    const set = (patch: Partial<StreetLayers>) => setState((s) => ({ ...s, ...patch }));
    const fail = (what: string) => (err: unknown) => {
      if ((err as Error).name !== 'AbortError') setState((s) => ({ ...s, errors: [...s.errors, `${what}: ${(err as Error).message}`] }));
    };
    const b = tiledKey ? (tiledKey.split(',').map(Number) as [number, number, number, number]) : null;
    const paths = streetLayerPaths(b);
    api.get<CommunityCollection>(paths.communities, ctl.signal).then((communities) => set({ communities }), fail('communities'));
    if (paths.grids) api.get<GridCollection>(paths.grids, ctl.signal).then((grids) => set({ grids }), fail('grids'));
    if (paths.buildings) api.get<BuildingCollection>(paths.buildings, ctl.signal).then((buildings) => set({ buildings }), fail('buildings'));
    api.get<FacilityCollection>(paths.facilities, ctl.signal).then((facilities) => set({ facilities }), fail('facilities'));
    api.get<{ labels: RoadLabel[] }>(paths.roadLabels, ctl.signal).then((r) => set({ roadLabels: r.labels }), fail('road labels'));
    return () => ctl.abort();
  }, [tiledKey]);
  const ringsWanted = opts.coverageReady ?? true;
  useEffect(() => {
    // rings come from the coverage module (GET /api/coverage/isochrones?type=…, features carry `minutes`);
    // a type it does not answer simply draws no rings; on large data this hook loads none (as it always did).
    const types = coverageKey ? coverageKey.split(',') : [];
    if (tiledKey || !types.length || !ringsWanted) return;
    const ctl = new AbortController();
    Promise.all(
      types.map((type) =>
        api.get<NonNullable<CoverageLayerProps['data']>>(`/api/coverage/isochrones?type=${encodeURIComponent(type)}`, ctl.signal).catch(() => null),
      ),
    ).then((answers) => {
      const features = answers.flatMap((a) => a?.features ?? []);
      if (features.length && !ctl.signal.aborted) setState((s) => ({ ...s, coverage: { type: 'FeatureCollection', features } }));
    }, () => undefined);
    return () => ctl.abort();
  }, [coverageKey, tiledKey, ringsWanted]);
  return state;
}
