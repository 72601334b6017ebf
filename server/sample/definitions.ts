// Reads and validates the sample street definition (data/sample/street.json): the facts of PRODUCT.md §2
// as data, plus the synthetic choices (block layout, weights, placements) the generator builds from.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { INCIDENT_CATEGORIES, FACILITY_TYPES } from '../../common/domain';

export const SAMPLE_DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/sample');
export const STREET_DEFINITION_FILE = path.join(SAMPLE_DATA_DIR, 'street.json');

const range = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]);

const definitionSchema = z
  .object({
    comment: z.string(),
    rotationDeg: z.number().min(-45).max(45),
    columnEdgesM: z.array(z.number()).min(2),
    rowEdgesM: z.array(z.number()).min(2),
    communities: z.array(
      z
        .object({
          name: z.string().min(1),
          nameEn: z.string().min(1),
          col: z.number().int().nonnegative(),
          row: z.number().int().nonnegative(),
          form: z.enum(['old', 'new']),
          weight: z.number().positive(),
          invented: z.boolean(),
          centerAreaM2: z.number().positive(),
          meetsStandard: z.boolean(),
        })
        .strict(),
    ),
    roads: z
      .object({
        horizontal: z.array(z.object({ y: z.number(), name: z.string(), invented: z.boolean() }).strict()),
        vertical: z.array(z.object({ x: z.number(), name: z.string(), invented: z.boolean() }).strict()),
      })
      .strict(),
    water: z.object({ name: z.string(), southOfStreetM: z.number().positive(), widthM: z.number().positive() }).strict(),
    facilities: z.array(
      z
        .object({ type: z.enum(FACILITY_TYPES), name: z.string(), community: z.string(), areaM2: z.number().positive() })
        .strict(),
    ),
    timeSharedParking: z.array(
      z.object({ community: z.string(), name: z.string(), owner: z.string(), capacity: z.number().int().positive() }).strict(),
    ),
    hotSpots: z.array(
      z
        .object({ community: z.string(), categories: z.array(z.enum(INCIDENT_CATEGORIES)).min(1), share: z.number().min(0).max(0.5) })
        .strict(),
    ),
    streetLeaders: z.number().int().positive(),
    staffPerCommunity: range,
    publicSecurityGridWorkers: z.number().int().nonnegative(),
    youngCadres: z.number().int().nonnegative(),
    volunteersPerCommunity: range,
    careSubjectsPerCommunity: range,
    illegalConstructionPoints: z.number().int().positive(),
    partyOrganisations: z.array(
      z.object({ org: z.string(), branches: z.number().int().positive(), community: z.string().nullable() }).strict(),
    ),
    branchesPerCommunity: z.array(z.number().int().positive()),
  })
  .strict();

export type StreetDefinition = z.infer<typeof definitionSchema>;
export type CommunityDefinition = StreetDefinition['communities'][number];

let cached: { text: string; def: StreetDefinition } | undefined;

export function streetDefinitionText(): string {
  return readFileSync(STREET_DEFINITION_FILE, 'utf8');
}

export function loadStreetDefinition(): StreetDefinition {
  const text = streetDefinitionText();
  if (cached?.text === text) return cached.def;
  const def = definitionSchema.parse(JSON.parse(text));
  if (def.branchesPerCommunity.length !== def.communities.length) {
    throw new Error('street.json: branchesPerCommunity needs one entry per community');
  }
  const names = new Set(def.communities.map((c) => c.name));
  for (const ref of [...def.facilities, ...def.timeSharedParking, ...def.hotSpots]) {
    if (!names.has(ref.community)) throw new Error(`street.json: unknown community "${ref.community}"`);
  }
  cached = { text, def };
  return def;
}
