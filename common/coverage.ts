// The /api/coverage contract shared by server and client: request schemas (validated once at the boundary;
// unknown fields rejected) and the answers' types.
import { z } from 'zod';
import { FACILITY_TYPES, type FacilityType } from './domain';

export const facilityTypeSchema = z.enum(FACILITY_TYPES);
const minutesSchema = z.coerce.number().pipe(z.union([z.literal(5), z.literal(10), z.literal(15)]));

// Any WGS84 point: imported networks (e.g. Monaco) lie outside the sample street. A site farther than
// MAX_SNAP_M from the network is refused by the what-if service with a message.
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

export interface AreaFigures {
  buildings: number;
  buildingsCovered: number;
  residents: number;
  residentsCovered: number;
  /** Covered residents / residents (0 when nobody lives there). */
  residentShare: number;
  buildingShare: number;
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
}

export interface TypeWhatIf {
  type: FacilityType;
  mode: 'incremental' | 'recompute';
  facilities: Array<{ id: number; name: string; lon: number; lat: number; virtual: boolean }>;
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
