// Request contracts of /api/coverage (validated once at the boundary; unknown fields rejected).
import { z } from 'zod';
import { FACILITY_TYPES } from '../../common/domain';

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
