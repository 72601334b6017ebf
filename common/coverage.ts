// The /api/coverage contract shared by server and client: request schemas (validated once at the boundary;
// unknown fields rejected) and the answers' types.
import { z } from 'zod';
import { FACILITY_TYPES, type FacilityType } from './domain';

export const facilityTypeSchema = z.enum(FACILITY_TYPES);
const minutesSchema = z.coerce.number().pipe(z.union([z.literal(5), z.literal(10), z.literal(15)]));

// Any WGS84 point: imported networks (e.g. Monaco) lie outside the sample street. A site farther than the
// access limit from the network is accepted and reported unreachable (it covers nobody), like a facility.
const anyLon = z.number().finite().min(-180).max(180);
const anyLat = z.number().finite().min(-90).max(90);

export const scenarioChangeSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), type: facilityTypeSchema, lon: anyLon, lat: anyLat, name: z.string().min(1).max(100).optional() }).strict(),
  z.object({ op: z.literal('move'), facilityId: z.number().int().positive(), lon: anyLon, lat: anyLat }).strict(),
  z.object({ op: z.literal('remove'), facilityId: z.number().int().positive() }).strict(),
]);
export type ScenarioChange = z.infer<typeof scenarioChangeSchema>;

export const changesSchema = z.array(scenarioChangeSchema).max(50);

export const summaryQuerySchema = z.object({ type: facilityTypeSchema, minutes: minutesSchema.default(15) }).strict();
export const uncoveredQuerySchema = summaryQuerySchema;
export const isochronesQuerySchema = z
  .object({
    type: facilityTypeSchema,
    shape: z.enum(['polygons', 'lines']).default('polygons'),
    by: z.enum(['band', 'facility']).default('band'),
  })
  .strict();

export const whatIfBodySchema = z
  .object({
    changes: changesSchema,
    rings: z.boolean().default(true),
  })
  .strict();

export const saveScenarioSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(1000).default(''),
    changes: changesSchema.min(1),
  })
  .strict();

export const compareQuerySchema = z
  .object({
    ids: z
      .string()
      .regex(/^\d+(,\d+){0,9}$/, 'a comma-separated list of 1 to 10 scenario ids')
      .transform((s) => s.split(',').map(Number)),
  })
  .strict();

export const suggestQuerySchema = z
  .object({
    type: facilityTypeSchema,
    k: z.coerce.number().int().min(1).max(20).default(3),
    minutes: minutesSchema.default(15),
    weight: z.enum(['residents', 'incidents']).default('residents'),
  })
  .strict();

// --- answers -------------------------------------------------------------------------------------------

export type LifeCircleMinutes = 5 | 10 | 15;

/**
 * How a point (facility, building, what-if site) meets the walking network (server/walk/network-access.ts):
 * within the tolerance it stands on it; up to the limit the straight-line walk to its snap point is added
 * to every time through it; beyond the limit it is unreachable by the network (never covered, never covers).
 */
export type NetworkAccessStatus = 'on_network' | 'walk_added' | 'unreachable';

export interface AccessRuleInfo {
  /** Below this (m) a point counts as standing on the network: nothing is added. */
  toleranceM: number;
  /** Above this (m) a point is unreachable by the network. */
  maxM: number;
  /** The access walk is walked at the network's speed (m/s). */
  speedMps: number;
}

export interface PointAccess {
  status: NetworkAccessStatus;
  /** Straight-line metres to the nearest walkable edge; null when none lies within the search radius. */
  snapDistanceM: number | null;
  /** Seconds added to every time through this point (0 on the network); null when unreachable. */
  accessWalkS: number | null;
  /** Where it meets the network (the start of its access walk); null when no edge was found. */
  snapLon: number | null;
  snapLat: number | null;
}

export interface FacilityAccess extends PointAccess {
  id: number;
  code: string;
  name: string;
  lon: number;
  lat: number;
}

export interface AreaFigures {
  buildings: number;
  buildingsCovered: number;
  residents: number;
  residentsCovered: number;
  /** Covered residents / residents (0 when nobody lives there). */
  residentShare: number;
  buildingShare: number;
  /** Buildings (and their residents) farther than the access limit from the network: counted, never covered. */
  buildingsUnreachable: number;
  residentsUnreachable: number;
}

export interface CircleComparison {
  radiusM: number;
  /** Residents inside the straight-line radius of some facility (what a drawn circle claims). */
  residentsInCircle: number;
  buildingsInCircle: number;
  /** Residents the circle claims that the network does not reach in time. */
  residentsOverstated: number;
  buildingsOverstated: number;
  /** (circle − network) / network residents; null when the network covers nobody. */
  overstatementRatio: number | null;
}

export interface CoverageSummary {
  type: string;
  minutes: LifeCircleMinutes;
  facilities: number;
  street: AreaFigures;
  communities: Array<AreaFigures & { id: number; name: string }>;
  grids: Array<AreaFigures & { id: number; code: string; name: string; communityId: number }>;
  circle: CircleComparison;
  /** The access rule these figures were computed with. */
  access: AccessRuleInfo;
  /** Facilities of the type by how they meet the network. */
  facilityAccess: Record<NetworkAccessStatus, number>;
  /** Every facility of the type that does not stand on the network (walk added or unreachable), farthest first. */
  offNetworkFacilities: FacilityAccess[];
}

export interface TypeWhatIf {
  type: FacilityType;
  mode: 'incremental' | 'recompute';
  /** Every facility of the type in the scenario, with how it meets the network (an added site follows the same rule). */
  facilities: Array<{ id: number; name: string; lon: number; lat: number; virtual: boolean } & PointAccess>;
  /** Street figures per life circle: base and scenario. */
  bands: Array<{ minutes: number; base: AreaFigures; scenario: AreaFigures; residentsGained: number; residentsLost: number }>;
  /** Full tables for the 15-minute circle (communities, grids, straight-line comparison). */
  summary15: CoverageSummary;
  rings?: Array<{ minutes: number; geometry: { type: 'MultiLineString'; coordinates: number[][][] } }>;
  /**
   * [west, south, east, north] the rings cover: around every changed site (old and new place) by more than
   * a 15-minute walk. Outside it the rings are exactly the base rings (GET /isochrones), so a city-sized
   * network does not send every edge for a local change.
   */
  ringsWindow?: [number, number, number, number];
}

export interface WhatIfResult {
  dataVersion: number;
  types: TypeWhatIf[];
  serverMs: number;
}

export interface SuggestedSite {
  rank: number;
  nodeId: number;
  lon: number;
  lat: number;
  /** Weighted demand newly covered by this site, given the sites ranked before it. */
  gain: number;
  newResidents: number;
  newBuildings: number;
}

export interface SuggestResult {
  type: FacilityType;
  minutes: number;
  weight: 'residents' | 'incidents';
  candidates: number;
  baseResidentsCovered: number;
  residentsCoveredAfter: number;
  /** Residents of buildings farther than the access limit from the network: no site on it can cover them. */
  residentsUnreachable: number;
  sites: SuggestedSite[];
  serverMs: number;
}

export interface SavedScenario {
  id: number;
  name: string;
  description: string;
  changes: ScenarioChange[];
  createdBy: string;
  createdAt: string;
}
