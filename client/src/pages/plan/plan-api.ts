// The coverage API as the /plan page uses it. Response types are the server's own (type-only imports:
// nothing of the server is bundled).
import { api } from '../../api/http';
import type { FacilityType } from '../../../../common/domain';
import type { CoverageSummary } from '../../../../common/coverage';
import type { WhatIfResult } from '../../../../common/coverage';
import type { SuggestResult } from '../../../../common/coverage';
import type { SavedScenario } from '../../../../common/coverage';
import type { ScenarioChange } from '../../../../common/coverage';
import type { FacilityAccess, PointAccess } from '../../../../common/coverage';

export type { CoverageSummary, WhatIfResult, SuggestResult, SavedScenario, ScenarioChange, FacilityAccess, PointAccess };
export type Minutes = 5 | 10 | 15;

export interface UncoveredCollection {
  type: 'FeatureCollection';
  properties: { count: number; unreachableByNetwork: number; accessMaxM: number };
  features: Array<{
    type: 'Feature';
    id: number;
    geometry: unknown;
    properties: {
      code: string; name: string | null; residents: number; communityId: number | null; walkSeconds: number | null;
      /** Farther than the access limit from the walking network (accessDistanceM: how far; null when never snapped). */
      unreachableByNetwork: boolean; accessDistanceM: number | null;
    };
  }>;
}

export interface RingCollection {
  type: 'FeatureCollection';
  features: Array<{ type: 'Feature'; geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown }; properties: { minutes?: number } }>;
}

export const coverageApi = {
  summary: (type: FacilityType, minutes: Minutes, signal?: AbortSignal) =>
    api.get<CoverageSummary>(`/api/coverage/summary?type=${type}&minutes=${minutes}`, signal),
  uncovered: (type: FacilityType, minutes: Minutes, signal?: AbortSignal) =>
    api.get<UncoveredCollection>(`/api/coverage/uncovered?type=${type}&minutes=${minutes}`, signal),
  isochrones: (type: FacilityType, signal?: AbortSignal) => api.get<RingCollection>(`/api/coverage/isochrones?type=${type}`, signal),
  whatIf: (changes: ScenarioChange[]) => api.post<WhatIfResult>('/api/coverage/what-if', { changes, rings: true }),
  suggest: (type: FacilityType, k: number, weight: 'residents' | 'incidents', minutes: Minutes) =>
    api.get<SuggestResult>(`/api/coverage/suggest?type=${type}&k=${k}&weight=${weight}&minutes=${minutes}`),
  scenarios: () => api.get<{ scenarios: SavedScenario[] }>('/api/coverage/scenarios'),
  save: (name: string, changes: ScenarioChange[]) => api.post<SavedScenario>('/api/coverage/scenarios', { name, changes }),
  compare: (ids: number[]) => api.get<unknown>(`/api/coverage/scenarios/compare?ids=${ids.join(',')}`),
};
