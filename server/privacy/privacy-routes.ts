// Sensitive groups (PIPL §28). Outside the roles allowed to see individuals, only counts per grid or
// community leave the server, and small counts are suppressed so a count cannot single a person out.
// Individual rows need a stated purpose, and every such read is written to the audit log first.
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/db';
import type { UserRole } from '../../common/domain';
import { parseOrThrow } from '../http/validate';
import { actorOf, getIdentity, requireRole, requireSignedIn } from '../auth/identity';
import { scopeFilter } from '../auth/scope';
import { audit } from '../audit/audit';
import { maskPerson } from './masking';

export const CARE_GROUPS = ['elderly_alone', 'disabled', 'low_income', 'unemployed', 'released_prisoner', 'drug_rehab', 'special_care'] as const;
/** Roles that may read individual care subjects (with a purpose, audited). */
export const CARE_SUBJECT_ROLES: readonly UserRole[] = ['admin', 'leader'];
/** Aggregate cells with fewer subjects than this are reported as suppressed (no exact count). */
export const MIN_CELL_COUNT = 3;

const AggregatesQuery = z
  .object({
    level: z.enum(['grid', 'community']).default('grid'),
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

interface AggregateRow {
  unit_id: number;
  unit_code: string;
  unit_name: string;
  group_code: string;
  n: number;
}

export function privacyRoutes(db: Db): Router {
  const r = Router();

  r.get('/care-aggregates', requireSignedIn(), async (req, res) => {
    const identity = getIdentity(req);
    const q = parseOrThrow(AggregatesQuery, req.query, 'query');
    const scope = scopeFilter(identity, 'cs.grid_id', 2);
    const unit = q.level === 'grid'
      ? { join: 'JOIN grids u ON u.id = cs.grid_id', id: 'u.id' }
      : { join: 'JOIN grids g ON g.id = cs.grid_id JOIN communities u ON u.id = g.community_id', id: 'u.id' };
    const res2 = await db.query<AggregateRow>(
      `SELECT ${unit.id} AS unit_id, u.code AS unit_code, u.name AS unit_name, cs.group_code, count(*)::int AS n
         FROM care_subjects cs ${unit.join}
        WHERE ($1::text IS NULL OR cs.group_code = $1) AND ${scope.sql}
        GROUP BY ${unit.id}, u.code, u.name, cs.group_code
        ORDER BY u.code, cs.group_code`,
      [q.group ?? null, ...scope.params],
    );
    res.json({
      level: q.level,
      minCellCount: MIN_CELL_COUNT,
      rows: res2.rows.map((row) => ({
        unitId: row.unit_id,
        unitCode: row.unit_code,
        unitName: row.unit_name,
        group: row.group_code,
        count: row.n >= MIN_CELL_COUNT ? row.n : null,
        suppressed: row.n < MIN_CELL_COUNT,
      })),
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
