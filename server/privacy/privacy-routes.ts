// Sensitive groups (PIPL §28). Outside the roles allowed to see individuals, only counts per grid or
// community leave the server, and small counts are suppressed so a count cannot single a person out.
// Individual rows need a stated purpose, and every such read is written to the audit log first.
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/db';
import type { UserRole } from '../../common/domain';
import { parseOrThrow } from '../http/validate';
import { actorOf, getIdentity, requireRole, requireSignedIn } from '../auth/identity';
import { audit } from '../audit/audit';
import { maskPerson } from './masking';
import { AppError } from '../../common/errors';
import { ALL_GROUPS, DISCLOSURE_K, VISIBLE_LEVELS, canSeeLevel, careTableFor, type DisclosureLevel, type ReleasedCell } from './disclosure';

export const CARE_GROUPS = ['elderly_alone', 'disabled', 'low_income', 'unemployed', 'released_prisoner', 'drug_rehab', 'special_care'] as const;
/** Roles that may read individual care subjects (with a purpose, audited). */
export const CARE_SUBJECT_ROLES: readonly UserRole[] = ['admin', 'leader'];
/** Aggregate cells with fewer subjects than this are reported as suppressed (no exact count). */
export const MIN_CELL_COUNT = DISCLOSURE_K;

const AggregatesQuery = z
  .object({
    level: z.enum(['street', 'community', 'grid', 'building']).optional(),
    group: z.enum(CARE_GROUPS).optional(),
  })
  .strict();

const SubjectsQuery = z
  .object({
    purpose: z.string().trim().min(4, 'state why you need these records (at least 4 characters)').max(200),
    gridId: z.coerce.number().int().positive().optional(),
    group: z.enum(CARE_GROUPS).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

const UNIT_TABLE: Record<Exclude<DisclosureLevel, 'street'>, string> = {
  community: 'SELECT id, code, name FROM communities WHERE id = ANY($1::int[])',
  grid: 'SELECT id, code, name FROM grids WHERE id = ANY($1::int[])',
  building: 'SELECT id, code, COALESCE(name, address, code) AS name FROM buildings WHERE id = ANY($1::int[])',
};

async function unitNames(db: Db, level: DisclosureLevel, ids: number[]): Promise<Map<number, { code: string; name: string }>> {
  if (level === 'street' || ids.length === 0) return new Map();
  const res = await db.query<{ id: number; code: string; name: string }>(UNIT_TABLE[level], [ids]);
  return new Map(res.rows.map((r) => [r.id, { code: r.code, name: r.name }]));
}

const LEVEL_ORDER: readonly DisclosureLevel[] = ['grid', 'community', 'street', 'building'];

function defaultLevel(role: UserRole): DisclosureLevel {
  return LEVEL_ORDER.find((l) => canSeeLevel(role, l)) ?? 'street';
}

export function privacyRoutes(db: Db): Router {
  const r = Router();

  // Counts of sensitive groups: a projection of the one released table of the caller (disclosure.ts). `level`
  // and `group` only select from it, so two requests cannot be differenced into a suppressed value.
  r.get('/care-aggregates', requireSignedIn(), async (req, res) => {
    const identity = getIdentity(req);
    const parsed = parseOrThrow(AggregatesQuery, req.query, 'query');
    // no level asked: the finest the role may see short of buildings (grid for most, community for the wall)
    const q = { ...parsed, level: parsed.level ?? defaultLevel(identity.role) };
    if (!canSeeLevel(identity.role, q.level)) {
      throw new AppError('FORBIDDEN', `counts of sensitive groups per ${q.level} are not released to the ${identity.role} role; levels you may ask for: ${VISIBLE_LEVELS[identity.role].join(', ')}`, 'query.level');
    }
    const table = await careTableFor(db, identity, CARE_GROUPS);
    const cells = table.cells.filter((c) => c.level === q.level);
    const names = await unitNames(db, q.level, [...new Set(cells.map((c) => c.unitId).filter((x): x is number => x != null))]);
    const out = (c: ReleasedCell) => ({
      unitId: c.unitId,
      unitCode: c.unitId == null ? null : names.get(c.unitId)?.code ?? null,
      unitName: c.unitId == null ? null : names.get(c.unitId)?.name ?? null,
      group: c.group,
      count: c.count,
      suppressed: c.suppressed,
    });
    // a cell that is absent is a released 0
    const shown = (c: ReleasedCell) => c.suppressed || (c.count ?? 0) > 0;
    res.set('Cache-Control', 'no-store');
    res.json({
      level: q.level,
      minCellCount: MIN_CELL_COUNT,
      levels: table.levels,
      rows: cells.filter((c) => c.group !== ALL_GROUPS && (q.group == null || c.group === q.group) && shown(c)).map(out),
      totals: q.group == null ? cells.filter((c) => c.group === ALL_GROUPS && shown(c)).map(out) : [],
    });
  });

  r.get('/care-subjects', requireRole(...CARE_SUBJECT_ROLES), async (req, res) => {
    const identity = getIdentity(req);
    const q = parseOrThrow(SubjectsQuery, req.query, 'query');
    const rows = await db.transaction(async (tx) => {
      const found = await tx.query<{ id: number; building_id: number; grid_id: number | null; group_code: string; name: string; phone: string | null; note: string | null }>(
        `SELECT id, building_id, grid_id, group_code, name, phone, note FROM care_subjects
          WHERE ($1::int IS NULL OR grid_id = $1) AND ($2::text IS NULL OR group_code = $2)
          ORDER BY id LIMIT $3 OFFSET $4`,
        [q.gridId ?? null, q.group ?? null, q.limit, q.offset],
      );
      // the audit row commits with the read or not at all: no unaudited disclosure
      await audit(tx, {
        actor: actorOf(identity),
        action: 'care_subjects.read',
        entityType: 'care_subject',
        reason: q.purpose,
        detail: { gridId: q.gridId ?? null, group: q.group ?? null, limit: q.limit, offset: q.offset, ids: found.rows.map((x) => x.id) },
        ip: req.ip,
      });
      return found.rows;
    });
    res.set('Cache-Control', 'no-store');
    res.json({
      rows: rows.map((row) => maskPerson(identity.role, {
        id: row.id,
        buildingId: row.building_id,
        gridId: row.grid_id,
        group: row.group_code,
        name: row.name,
        phone: row.phone,
        note: row.note,
      })),
    });
  });

  return r;
}
