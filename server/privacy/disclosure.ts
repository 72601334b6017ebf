// The disclosure rule for counts of people in sensitive groups (PIPL §28; SECURITY.md "Disclosure rule").
//
//   1. Threshold: a released cell is 0 or ≥ K (K = 3). A cell with 1..K-1 people is suppressed (primary).
//   2. Levels: each role sees cells only at the levels of VISIBLE_LEVELS (a wall never sees a building or a
//      grid; building cells only for the roles that may read individuals anyway). A level a role cannot see is
//      not released at all, so its cells are unknowns, never "suppressed but present".
//   3. Complementary suppression: the released table is a set of linear equations (every parent = the sum of
//      its children at the next visible level, for every group and for the all-groups total; every unit's
//      all-groups total = the sum of its groups). No equation may have exactly one unknown; beyond that, every
//      suppressed cell is checked exactly (Gaussian elimination over the suppressed cells: a cell is
//      derivable iff its unit vector lies in the row space of the system) and more cells are suppressed until
//      none is derivable. Complements are the smallest positive released cell of the equation, so the
//      protection interval is not a trivial "0 or the value".
//   4. Differencing: a role's answer is always a projection of ONE table computed for that role over all
//      groups and all its visible levels at once; request parameters (level, group) only select from it, never
//      change what is computed. There are no time windows or free filters on counts of people, so two
//      requests can only differ by what they select from the same table.
import type { UserRole } from '../../common/domain';
import type { Queryable } from '../db/db';

/** Minimum released count (cells 1..K-1 are suppressed). */
export const DISCLOSURE_K = 3;

export type DisclosureLevel = 'street' | 'community' | 'grid' | 'building';
export const DISCLOSURE_LEVELS: readonly DisclosureLevel[] = ['street', 'community', 'grid', 'building'];

/**
 * Levels at which each role may see counts of sensitive groups (SECURITY.md "Roles and scopes"):
 * admin/leader may read individuals (audited), so they may also see building cells; dispatcher and planner work
 * street-wide on grids; a worker sees its own grid only; the wall (a public screen) communities and the street.
 */
export const VISIBLE_LEVELS: Readonly<Record<UserRole, readonly DisclosureLevel[]>> = {
  admin: ['street', 'community', 'grid', 'building'],
  leader: ['street', 'community', 'grid', 'building'],
  dispatcher: ['street', 'community', 'grid'],
  planner: ['street', 'community', 'grid'],
  worker: ['grid'],
  wall: ['street', 'community'],
};

export function canSeeLevel(role: UserRole, level: DisclosureLevel): boolean {
  return VISIBLE_LEVELS[role].includes(level);
}

/** `total` = the sum of `parts` (indexes into the table's cells). */
export interface Equation {
  total: number;
  parts: number[];
}

/**
 * Which cells to suppress so that no suppressed cell is below K-and-visible or derivable from the released
 * cells. `hidden` cells are unknowns that are never released (e.g. subjects without a grid) — they count as
 * suppressed in every equation but are not chosen as complements.
 */
export function suppressCells(values: readonly number[], equations: readonly Equation[], k = DISCLOSURE_K, hidden: ReadonlySet<number> = new Set()): boolean[] {
  const sup = values.map((v, i) => hidden.has(i) || (v > 0 && v < k));
  const byCell = new Map<number, Equation[]>();
  for (const e of equations) for (const c of [e.total, ...e.parts]) (byCell.get(c) ?? byCell.set(c, []).get(c)!).push(e);

  const complementIn = (e: Equation): number | null => {
    // smallest positive released part; then the total (a part that equals its total must hide the total);
    // then any released part (a zero)
    let best: number | null = null;
    for (const p of e.parts) if (!sup[p] && values[p] > 0 && (best == null || values[p] < values[best])) best = p;
    if (best != null) return best;
    if (!sup[e.total]) return e.total;
    for (const p of e.parts) if (!sup[p]) return p;
    return null;
  };

  for (let guard = 0; guard < values.length + 1; guard++) {
    // (a) the cheap rule, to a fixed point: no equation with exactly one unknown
    let changed = true;
    while (changed) {
      changed = false;
      for (const e of equations) {
        const unknown = [e.total, ...e.parts].filter((c) => sup[c]).length;
        if (unknown !== 1) continue;
        const c = complementIn(e);
        if (c != null) { sup[c] = true; changed = true; }
      }
    }
    // (b) the exact check: combinations of equations (a 2-D table's bridge cells, totals over totals)
    const derivable = derivableCells(values.length, equations, sup);
    let fixed = false;
    for (const cell of derivable) {
      if (hidden.has(cell) && values[cell] === 0) continue;
      for (const e of byCell.get(cell) ?? []) {
        const c = complementIn(e);
        if (c != null) { sup[c] = true; fixed = true; break; }
      }
    }
    if (!fixed) break;
  }
  return sup;
}

/**
 * The suppressed cells whose value follows from the released cells by linear reasoning: cell i is determined
 * iff e_i is in the row space of the equations restricted to the suppressed cells (the released values are
 * constants). Solved per connected component of suppressed cells (coefficients are ±1; floats with a tolerance).
 */
export function derivableCells(n: number, equations: readonly Equation[], sup: readonly boolean[]): number[] {
  // union-find over suppressed cells sharing an equation
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  const rows: Array<Map<number, number>> = [];
  for (const e of equations) {
    const row = new Map<number, number>();
    const add = (c: number, coef: number) => { if (sup[c]) row.set(c, (row.get(c) ?? 0) + coef); };
    add(e.total, 1);
    for (const p of e.parts) add(p, -1);
    for (const [c, v] of row) if (v === 0) row.delete(c);
    if (row.size === 0) continue;
    const cells = [...row.keys()];
    for (const c of cells.slice(1)) parent[find(c)] = find(cells[0]);
    rows.push(row);
  }
  const byComponent = new Map<number, Array<Map<number, number>>>();
  for (const row of rows) {
    const root = find(row.keys().next().value as number);
    (byComponent.get(root) ?? byComponent.set(root, []).get(root)!).push(row);
  }
  const out: number[] = [];
  for (const compRows of byComponent.values()) out.push(...determinedBySparseElimination(compRows));
  return out;
}

/**
 * Sparse incremental reduced row echelon form: each basis row has a pivot that no other basis row contains.
 * A column is determined iff its basis row has no other entry. Hierarchical sums stay sparse this way (a dense
 * RREF of a street's building cells took seconds).
 */
function determinedBySparseElimination(rows: ReadonlyArray<Map<number, number>>): number[] {
  const eps = 1e-9;
  const basis = new Map<number, Map<number, number>>(); // pivot column → row (pivot coefficient 1)
  const holders = new Map<number, Set<number>>(); // column → pivots of the basis rows that contain it
  const hold = (col: number, pivot: number) => (holders.get(col) ?? holders.set(col, new Set()).get(col)!).add(pivot);
  const unhold = (col: number, pivot: number) => holders.get(col)?.delete(pivot);
  for (const input of rows) {
    const r = new Map(input);
    // eliminate existing pivots from the new row
    for (;;) {
      let p: number | null = null;
      for (const c of r.keys()) if (basis.has(c)) { p = c; break; }
      if (p == null) break;
      const f = r.get(p)!;
      for (const [c, v] of basis.get(p)!) {
        const nv = (r.get(c) ?? 0) - f * v;
        if (Math.abs(nv) < eps) r.delete(c); else r.set(c, nv);
      }
    }
    if (r.size === 0) continue;
    // pivot on the column held by the fewest basis rows (least fill-in)
    let pivot = -1, best = Infinity;
    for (const c of r.keys()) { const h = holders.get(c)?.size ?? 0; if (h < best) { best = h; pivot = c; } }
    const pv = r.get(pivot)!;
    for (const [c, v] of r) r.set(c, v / pv);
    // clear the new pivot from every basis row that has it
    for (const q of [...(holders.get(pivot) ?? [])]) {
      const row = basis.get(q)!;
      const f = row.get(pivot)!;
      for (const [c, v] of r) {
        const nv = (row.get(c) ?? 0) - f * v;
        if (Math.abs(nv) < eps) { row.delete(c); unhold(c, q); } else { if (!row.has(c)) hold(c, q); row.set(c, nv); }
      }
    }
    holders.delete(pivot);
    basis.set(pivot, r);
    for (const c of r.keys()) hold(c, pivot);
  }
  return [...basis].filter(([, row]) => row.size === 1).map(([p]) => p);
}

// ——— the table of care subjects ———

/** One count at the finest level: subjects of `group` in a building (with its grid and community). */
export interface SubjectCount {
  buildingId: number;
  gridId: number | null;
  communityId: number | null;
  group: string;
  n: number;
}

export const ALL_GROUPS = '*';

export interface ReleasedCell {
  level: DisclosureLevel;
  /** null for the street */
  unitId: number | null;
  /** a group code, or ALL_GROUPS for the unit's total over every group */
  group: string;
  count: number | null;
  suppressed: boolean;
}

/** The released table of a role: every cell it may see, with suppressed counts as null. */
export interface ReleasedTable {
  levels: readonly DisclosureLevel[];
  cells: ReleasedCell[];
  get(level: DisclosureLevel, unitId: number | null, group?: string): ReleasedCell | undefined;
}

const keyOf = (level: DisclosureLevel, unitId: number | null, group: string) => `${level}:${unitId ?? ''}:${group}`;

/**
 * Builds the whole table a role may see from building-level counts (already limited to the role's row scope)
 * and applies the rule. `levels` is the role's visible levels (VISIBLE_LEVELS[role]).
 */
export function releaseTable(counts: readonly SubjectCount[], groups: readonly string[], levels: readonly DisclosureLevel[], k = DISCLOSURE_K): ReleasedTable {
  const visible = DISCLOSURE_LEVELS.filter((l) => levels.includes(l));
  const values: number[] = [];
  const meta: Array<{ level: DisclosureLevel; unitId: number | null; group: string }> = [];
  const hidden = new Set<number>();
  const index = new Map<string, number>();
  const cell = (level: DisclosureLevel, unitId: number | null, group: string, isHidden = false): number => {
    const key = (isHidden ? '!' : '') + keyOf(level, unitId, group);
    let i = index.get(key);
    if (i == null) {
      i = values.push(0) - 1;
      meta.push({ level, unitId, group });
      index.set(key, i);
      if (isHidden) hidden.add(i);
    }
    return i;
  };
  const allGroups = [...groups, ALL_GROUPS];
  // a unit of each visible level for one subject count; a subject missing its grid/community is counted in a
  // hidden (never released) unit so that the parent equations stay exact
  const unitsOf = (c: SubjectCount): Array<{ level: DisclosureLevel; id: number | null; hidden: boolean }> =>
    visible.map((level) => {
      const id = level === 'street' ? null : level === 'community' ? c.communityId : level === 'grid' ? c.gridId : c.buildingId;
      return { level, id, hidden: level !== 'street' && id == null };
    });

  const parentOf = new Map<number, number>(); // child cell → parent cell (same group)
  for (const c of counts) {
    if (c.n <= 0) continue;
    const chain = unitsOf(c);
    for (const g of [c.group, ALL_GROUPS]) {
      let prev: number | null = null;
      for (const u of chain) {
        const i = cell(u.level, u.id, g, u.hidden);
        values[i] += c.n;
        if (prev != null) parentOf.set(i, prev);
        prev = i;
      }
    }
  }
  // every unit that appears gets a cell for every group (known zeros are part of its equations)
  for (const m of [...meta]) for (const g of allGroups) if (!hidden.has(index.get(keyOf(m.level, m.unitId, m.group)) ?? -1)) {
    const i = cell(m.level, m.unitId, g);
    const p = parentOf.get(index.get(keyOf(m.level, m.unitId, m.group))!);
    if (p != null && !parentOf.has(i)) parentOf.set(i, cell(meta[p].level, meta[p].unitId, g, hidden.has(p)));
  }
  const equations: Equation[] = [];
  const children = new Map<number, number[]>();
  for (const [child, par] of parentOf) (children.get(par) ?? children.set(par, []).get(par)!).push(child);
  for (const [total, parts] of children) equations.push({ total, parts });
  // each unit's total over groups
  const units = new Map<string, { level: DisclosureLevel; unitId: number | null; hidden: boolean }>();
  meta.forEach((m, i) => units.set(`${hidden.has(i) ? '!' : ''}${m.level}:${m.unitId ?? ''}`, { level: m.level, unitId: m.unitId, hidden: hidden.has(i) }));
  for (const u of units.values()) {
    equations.push({ total: cell(u.level, u.unitId, ALL_GROUPS, u.hidden), parts: groups.map((g) => cell(u.level, u.unitId, g, u.hidden)) });
  }

  const sup = suppressCells(values, equations, k, hidden);
  const cells: ReleasedCell[] = [];
  const released = new Map<string, ReleasedCell>();
  meta.forEach((m, i) => {
    if (hidden.has(i)) return;
    const rc: ReleasedCell = { level: m.level, unitId: m.unitId, group: m.group, count: sup[i] ? null : values[i], suppressed: sup[i] };
    cells.push(rc);
    released.set(keyOf(m.level, m.unitId, m.group), rc);
  });
  return {
    levels: visible,
    cells,
    get: (level, unitId, group = ALL_GROUPS) => released.get(keyOf(level, unitId, group)),
  };
}

// ——— the released table of one identity, from the database ———

export interface CareScope {
  role: UserRole;
  /** a worker's grid (row scope: SECURITY.md); ignored for street roles */
  scopeGridId: number | null;
}

/**
 * The care-subject table `who` may see: all groups, all its visible levels, its row scope, computed at once
 * so that every route answering a count of sensitive groups projects from the same released table.
 */
export async function careTableFor(db: Queryable, who: CareScope, groups: readonly string[]): Promise<ReleasedTable> {
  const worker = who.role === 'worker';
  if (worker && who.scopeGridId == null) return releaseTable([], groups, VISIBLE_LEVELS[who.role]);
  const res = await db.query<{ building_id: number; grid_id: number | null; community_id: number | null; group_code: string; n: number }>(
    `SELECT cs.building_id, cs.grid_id, COALESCE(g.community_id, b.community_id) AS community_id, cs.group_code, count(*)::int AS n
       FROM care_subjects cs JOIN buildings b ON b.id = cs.building_id LEFT JOIN grids g ON g.id = cs.grid_id
      WHERE ($1::int IS NULL OR cs.grid_id = $1)
      GROUP BY cs.building_id, cs.grid_id, COALESCE(g.community_id, b.community_id), cs.group_code`,
    [worker ? who.scopeGridId : null],
  );
  const counts = res.rows.map((r) => ({ buildingId: r.building_id, gridId: r.grid_id, communityId: r.community_id, group: r.group_code, n: Number(r.n) }));
  return releaseTable(counts, groups, VISIBLE_LEVELS[who.role]);
}
