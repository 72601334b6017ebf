// What a click on a community, grid or building shows (PRODUCT.md §3): its responsibility chain (五级力量
// 下沉, names masked unless the caller's role may see them), its counts and its live figures.
import type { Queryable } from '../db/db';
import type { UserRole } from '../../common/domain';
import { OPEN_STATUSES, STREET } from '../../common/domain';
import type { ChainLink, UnitDetails, UnitLevel, UnitLiveFigures } from '../../common/layers';
import { AppError } from '../../common/errors';
import { canSeeNames, canSeePhones, maskName, maskPhone } from '../privacy/masking';
import { shanghaiDayStart } from './shanghai-day';
import { canSeeLevel, careTableFor, type CareScope } from '../privacy/disclosure';
import { CARE_GROUPS } from '../privacy/privacy-routes';
import type { ScopePolicy } from '../auth/scope';
import { LAYER_SCOPE, type ScopedLayer } from './layer-scope';

interface UnitRow {
  id: number;
  code: string;
  name: string;
  community_id: number | null;
  community_name: string | null;
  grid_id: number | null;
  grid_name: string | null;
  leader_id: number | null;
  secretary_id: number | null;
  worker_id: number | null;
  head_id: number | null;
}

const UNIT_SQL: Record<UnitLevel, string> = {
  community: `SELECT c.id, c.code, c.name, c.id AS community_id, c.name AS community_name, NULL::int AS grid_id,
                     NULL::text AS grid_name, c.leader_id, c.secretary_id, NULL::int AS worker_id, NULL::int AS head_id
                FROM communities c WHERE c.id = $1`,
  grid: `SELECT g.id, g.code, g.name, c.id AS community_id, c.name AS community_name, g.id AS grid_id, g.name AS grid_name,
                c.leader_id, c.secretary_id, g.worker_id, NULL::int AS head_id
           FROM grids g JOIN communities c ON c.id = g.community_id WHERE g.id = $1`,
  building: `SELECT b.id, b.code, COALESCE(b.name, b.address, b.code) AS name, c.id AS community_id, c.name AS community_name,
                    g.id AS grid_id, g.name AS grid_name, c.leader_id, c.secretary_id, g.worker_id, b.head_id
               FROM buildings b LEFT JOIN grids g ON g.id = b.grid_id LEFT JOIN communities c ON c.id = b.community_id
              WHERE b.id = $1`,
};

/** Which column of buildings/incidents/violations/parking ties a row to the unit. */
const SCOPE_COLUMN: Record<UnitLevel, 'community_id' | 'grid_id' | 'id'> = {
  community: 'community_id',
  grid: 'grid_id',
  building: 'id',
};

/**
 * The panel of one unit. `scope` decides whether the caller may open it (the layer rule of layer-scope.ts: a
 * worker's grid, its buildings, its community) and the worker's grid for the released table of
 * sensitive-group counts (disclosure.ts); `role` decides masking only.
 */
export async function unitDetails(db: Queryable, level: UnitLevel, id: number, role: UserRole, scope: ScopePolicy, now: Date): Promise<UnitDetails> {
  const unit = (await db.query<UnitRow>(UNIT_SQL[level], [id])).rows[0];
  // Outside a grid worker's scope a unit answers exactly as one that does not exist (no existence oracle).
  if (!unit || !(await mayOpen(db, level, id, scope))) {
    throw new AppError('NOT_FOUND', `no ${level} with id ${id}`, 'params.id');
  }
  const scopeGridId = scope.gridId;

  const chain = await responsibilityChain(db, level, unit, role);
  const counts = await unitCounts(db, level, id, { role, scopeGridId });
  const live = await liveFigures(db, level, unit, now);
  const street = (await db.query<{ name: string; is_sample: boolean }>(`SELECT name, is_sample FROM streets LIMIT 1`)).rows[0];

  const path: UnitDetails['path'] = [{ level: 'street', id: null, name: street?.name ?? STREET.name }];
  if (level !== 'community' && unit.community_id != null) path.push({ level: 'community', id: unit.community_id, name: unit.community_name ?? '' });
  if (level === 'building' && unit.grid_id != null) path.push({ level: 'grid', id: unit.grid_id, name: unit.grid_name ?? '' });

  return {
    level,
    id: unit.id,
    code: unit.code,
    name: unit.name,
    path,
    chain,
    counts,
    live,
    isSample: street?.is_sample ?? true,
  };
}

/** The layer each level's unit is a feature of: whether it is in scope is that layer's rule (layer-scope.ts). */
const UNIT_LAYER = { community: 'communities', grid: 'grids', building: 'buildings' } as const satisfies Record<UnitLevel, ScopedLayer>;

/** Street roles open every unit; a grid worker the units their map shows (their grid, its buildings, its community). */
async function mayOpen(db: Queryable, level: UnitLevel, id: number, scope: ScopePolicy): Promise<boolean> {
  if (scope.street) return true;
  const params: unknown[] = [id];
  const rule = scope.where(LAYER_SCOPE[UNIT_LAYER[level]], (v) => `$${params.push(v)}`);
  // Table names from UNIT_LAYER only; the rule is a literal of layer-scope.ts with its grid id as a parameter.
  const r = await db.query(`SELECT 1 FROM ${UNIT_LAYER[level]} t WHERE t.id = $1 AND ${rule}`, params);
  return r.rows.length > 0;
}

async function responsibilityChain(db: Queryable, level: UnitLevel, u: UnitRow, role: UserRole): Promise<ChainLink[]> {
  const wanted: Array<[ChainLink['role'], number | null]> = [
    ['street_leader', u.leader_id],
    ['community_secretary', u.secretary_id],
  ];
  if (level !== 'community') wanted.push(['grid_worker', u.worker_id]);
  if (level === 'building') wanted.push(['building_head', u.head_id]);
  const ids = wanted.map(([, pid]) => pid).filter((x): x is number => x != null);
  const people = ids.length
    ? (await db.query<{ id: number; name: string; phone: string | null; party_member: boolean }>(
        `SELECT id, name, phone, party_member FROM people WHERE id = ANY($1::int[])`,
        [ids],
      )).rows
    : [];
  const byId = new Map(people.map((p) => [p.id, p]));
  const names = canSeeNames(role);
  const phones = canSeePhones(role);
  return wanted.map(([linkRole, pid]) => {
    const p = pid == null ? undefined : byId.get(pid);
    if (!p) return { role: linkRole, personId: null, name: null, phone: null, partyMember: null, masked: !names };
    return {
      role: linkRole,
      personId: p.id,
      name: names ? p.name : maskName(p.name),
      phone: p.phone == null ? null : phones ? p.phone : maskPhone(p.phone),
      partyMember: p.party_member,
      masked: !names,
    };
  });
}

async function unitCounts(db: Queryable, level: UnitLevel, id: number, who: CareScope): Promise<UnitDetails['counts']> {
  const col = SCOPE_COLUMN[level];
  const r = (
    await db.query<Record<string, unknown>>(
      `SELECT COALESCE(sum(households), 0) AS households, COALESCE(sum(residents), 0) AS residents,
              COALESCE(sum(party_members), 0) AS party_members, count(*) AS buildings
         FROM buildings WHERE ${col} = $1`,
      [id],
    )
  ).rows[0];
  const counts: UnitDetails['counts'] = {
    households: Number(r.households),
    residents: Number(r.residents),
    partyMembers: Number(r.party_members),
  };
  // Sensitive groups leave the server only as a count (PRODUCT.md §9), from the caller's released table
  // (disclosure.ts): absent at a level the role may not see, null when suppressed, a missing cell is 0.
  if (canSeeLevel(who.role, level)) {
    const cell = (await careTableFor(db, who, CARE_GROUPS)).get(level, id);
    counts.careSubjects = cell == null ? 0 : cell.count;
    if (cell?.suppressed) counts.careSubjectsSuppressed = true;
  }
  if (level !== 'building') counts.buildings = Number(r.buildings);
  if (level === 'community') {
    counts.grids = Number((await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM grids WHERE community_id = $1`, [id])).rows[0].n);
  }
  return counts;
}

async function liveFigures(db: Queryable, level: UnitLevel, u: UnitRow, now: Date): Promise<UnitLiveFigures> {
  const dayStart = shanghaiDayStart(now);
  // A building has no incidents of its own: count those reported within 30 m of it.
  const incidentWhere =
    level === 'building'
      ? `ST_DWithin(i.geom::geography, (SELECT geom FROM buildings WHERE id = $1)::geography, 30)`
      : `i.${SCOPE_COLUMN[level]} = $1`;
  const inc = (
    await db.query<Record<string, unknown>>(
      `SELECT count(*) FILTER (WHERE i.status = ANY($2::text[])) AS open,
              count(*) FILTER (WHERE i.reported_at >= $3) AS reported_today,
              count(*) FILTER (WHERE i.closed_at >= $3) AS closed_today
         FROM incidents i WHERE ${incidentWhere}`,
      [u.id, OPEN_STATUSES, dayStart],
    )
  ).rows[0];
  // Violations and parking belong to the community or grid; a building reports those of its grid.
  const scopeCol = level === 'community' ? 'community_id' : 'grid_id';
  const scopeId = level === 'community' ? u.community_id : u.grid_id;
  const vio = (
    await db.query<Record<string, unknown>>(
      `SELECT count(*) FILTER (WHERE status IN ('found', 'notified', 'rectifying')) AS open,
              count(*) FILTER (WHERE status IN ('rectified', 'demolished', 'verified')) AS done, count(*) AS total
         FROM violations WHERE ${scopeCol} = $1`,
      [scopeId],
    )
  ).rows[0];
  const park = (
    await db.query<Record<string, unknown>>(
      `SELECT COALESCE(sum(capacity), 0) AS capacity, COALESCE(sum(capacity - occupied), 0) AS free
         FROM parking_lots WHERE community_id = $1`,
      [u.community_id],
    )
  ).rows[0];
  const total = Number(vio.total);
  return {
    openIncidents: Number(inc.open),
    reportedToday: Number(inc.reported_today),
    closedToday: Number(inc.closed_today),
    violationsOpen: Number(vio.open),
    rectificationRate: total ? Number(vio.done) / total : null,
    parkingCapacity: Number(park.capacity),
    parkingFree: Number(park.free),
  };
}
