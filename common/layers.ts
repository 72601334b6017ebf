// Contract of the map layer endpoints (server/layers) shared with the client's layer modules.
// Every layer answers a GeoJSON FeatureCollection; properties carry names, codes and aggregate counts only
// (no personal data: the wall reads these too — PRODUCT.md §9).
import type { FacilityType, ParkingKind, ViolationKind, ViolationStatus } from './domain';

export interface Feature<G, P> {
  type: 'Feature';
  id: number;
  geometry: G;
  properties: P;
}
export interface FeatureCollection<G, P> {
  type: 'FeatureCollection';
  features: Array<Feature<G, P>>;
  /** True when the layer cap cut the answer short: zoom in. */
  truncated: boolean;
}

export interface PolygonGeometry {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: number[][][] | number[][][][];
}
export interface PointGeometry {
  type: 'Point';
  coordinates: [number, number];
}

export interface UnitCounts {
  households: number;
  residents: number;
  partyMembers: number;
}

export interface CommunityProps extends UnitCounts {
  id: number;
  code: string;
  name: string;
  nameEn: string;
  nameIsSample: boolean;
  grids: number;
  buildings: number;
  /** A point inside the polygon for its label. */
  labelLon: number;
  labelLat: number;
}
export interface GridProps extends UnitCounts {
  id: number;
  code: string;
  name: string;
  communityId: number;
  buildings: number;
  labelLon: number;
  labelLat: number;
}
export interface BuildingProps extends UnitCounts {
  id: number;
  code: string;
  name: string | null;
  use: string;
  floors: number;
  communityId: number | null;
  gridId: number | null;
}
export interface FacilityProps {
  id: number;
  code: string;
  type: FacilityType;
  name: string;
  communityId: number | null;
}
export interface ParkingProps {
  id: number;
  code: string;
  name: string;
  kind: ParkingKind;
  communityId: number | null;
  capacity: number;
  occupied: number;
  free: number;
  version: number;
}
export interface ViolationProps {
  id: number;
  code: string;
  kind: ViolationKind;
  status: ViolationStatus;
  communityId: number | null;
  gridId: number | null;
  version: number;
}
export interface WorkerProps {
  /** people.id; no name: positions are shown as anonymous dots on shared screens. */
  id: number;
  gridId: number | null;
  at: string | null;
}

export type CommunityCollection = FeatureCollection<PolygonGeometry, CommunityProps>;
export type GridCollection = FeatureCollection<PolygonGeometry, GridProps>;
export type BuildingCollection = FeatureCollection<PolygonGeometry, BuildingProps>;
export type FacilityCollection = FeatureCollection<PointGeometry, FacilityProps>;
export type ParkingCollection = FeatureCollection<PointGeometry, ParkingProps>;
export type ViolationCollection = FeatureCollection<PointGeometry, ViolationProps>;
export type WorkerCollection = FeatureCollection<PointGeometry, WorkerProps>;

// --- GET /api/units/:level/:id ------------------------------------------------------------------------

export const UNIT_LEVELS = ['community', 'grid', 'building'] as const;
export type UnitLevel = (typeof UNIT_LEVELS)[number];

export interface ChainLink {
  /** street_leader (包片领导) → community_secretary → grid_worker → building_head */
  role: 'street_leader' | 'community_secretary' | 'grid_worker' | 'building_head';
  personId: number | null;
  /** Masked ("张**") unless the caller's role may see names. */
  name: string | null;
  phone: string | null;
  partyMember: boolean | null;
  masked: boolean;
}

export interface UnitLiveFigures {
  openIncidents: number;
  reportedToday: number;
  closedToday: number;
  violationsOpen: number;
  /** Share of violation points rectified/demolished/verified, null when there are none. */
  rectificationRate: number | null;
  parkingCapacity: number;
  parkingFree: number;
}

export interface UnitDetails {
  level: UnitLevel;
  id: number;
  code: string;
  name: string;
  /** Names of the enclosing units, outermost first (street, community, grid). */
  path: Array<{ level: 'street' | UnitLevel; id: number | null; name: string }>;
  chain: ChainLink[];
  /** careSubjects: absent where the role may not see this level; null (and careSubjectsSuppressed) when suppressed */
  counts: UnitCounts & { grids?: number; buildings?: number; careSubjects?: number | null; careSubjectsSuppressed?: boolean };
  live: UnitLiveFigures;
  isSample: boolean;
}

// --- GET /api/stats/daily?days=N ----------------------------------------------------------------------

export interface DailyStats {
  /** Asia/Shanghai calendar days, oldest first (YYYY-MM-DD). */
  days: string[];
  reported: number[];
  closed: number[];
}
