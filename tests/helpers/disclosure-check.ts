// An outsider's view of a released table, written independently of server/privacy/disclosure.ts: the true
// value of every cell, the sums anyone knows (parent = Σ children between consecutive visible levels, a unit's
// total = Σ its groups), and which suppressed cells follow from the released ones (exact rank test in BigInt:
// cell i is determined iff dropping its column lowers the rank of the system over the unknowns).
import { ALL_GROUPS, DISCLOSURE_LEVELS, type DisclosureLevel, type ReleasedCell, type SubjectCount } from '../../server/privacy/disclosure';

/** rank of an integer matrix, fraction-free (Bareiss-style row operations in BigInt). */
export function rank(rows: bigint[][]): number {
  const a = rows.map((r) => r.slice());
  const width = a[0]?.length ?? 0;
  let r = 0;
  for (let c = 0; c < width && r < a.length; c++) {
    const p = a.findIndex((row, i) => i >= r && row[c] !== 0n);
    if (p < 0) continue;
    [a[r], a[p]] = [a[p], a[r]];
    for (let i = r + 1; i < a.length; i++) {
      if (a[i][c] === 0n) continue;
      const f = a[i][c], g = a[r][c];
      a[i] = a[i].map((v, j) => v * g - a[r][j] * f);
      // keep the integers small: divide the row by the gcd of its entries
      let d = 0n;
      for (const v of a[i]) { let x = v < 0n ? -v : v, y = d; while (y) [x, y] = [y, x % y]; d = x; }
      if (d > 1n) a[i] = a[i].map((v) => v / d);
    }
    r++;
  }
  return r;
}

export interface World { counts: SubjectCount[]; groups: string[] }

/** The true value of every (level, unit, group) cell, and the outsider's equations between visible cells. */
export function truth(w: World, levels: readonly DisclosureLevel[]) {
  const visible = DISCLOSURE_LEVELS.filter((l) => levels.includes(l));
  const unitOf = (c: SubjectCount, l: DisclosureLevel) => (l === 'street' ? null : l === 'community' ? c.communityId : l === 'grid' ? c.gridId : c.buildingId);
  const key = (l: DisclosureLevel, u: number | null, g: string) => `${l}:${u ?? ''}:${g}`;
  const value = new Map<string, number>();
  const parent = new Map<string, string>(); // unit key (level:id) → parent unit key
  for (const c of w.counts) {
    for (let i = 0; i < visible.length; i++) {
      const u = unitOf(c, visible[i]);
      for (const g of [c.group, ALL_GROUPS]) value.set(key(visible[i], u, g), (value.get(key(visible[i], u, g)) ?? 0) + c.n);
      for (const g of w.groups) if (!value.has(key(visible[i], u, g))) value.set(key(visible[i], u, g), 0);
      if (i > 0) parent.set(`${visible[i]}:${u ?? ''}`, `${visible[i - 1]}:${unitOf(c, visible[i - 1]) ?? ''}`);
    }
  }
  const eqs: Array<{ total: string; parts: string[] }> = [];
  const kids = new Map<string, string[]>();
  for (const [child, par] of parent) (kids.get(par) ?? kids.set(par, []).get(par)!).push(child);
  for (const [par, ch] of kids) for (const g of [...w.groups, ALL_GROUPS]) eqs.push({ total: `${par}:${g}`, parts: ch.map((c) => `${c}:${g}`) });
  const unitKeys = new Set([...value.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))));
  for (const u of unitKeys) eqs.push({ total: `${u}:${ALL_GROUPS}`, parts: w.groups.map((g) => `${u}:${g}`) });
  return { value, eqs, key };
}

/** The suppressed cells whose value the outsider can work out (column criterion on the unknowns). */
export function derivable(table: { cells: readonly ReleasedCell[] }, w: World, levels: readonly DisclosureLevel[]): string[] {
  const { eqs, key } = truth(w, levels);
  const released = new Map(table.cells.map((c) => [key(c.level, c.unitId, c.group), c]));
  const unknowns = table.cells.filter((c) => c.suppressed).map((c) => key(c.level, c.unitId, c.group));
  if (unknowns.length === 0) return [];
  const col = new Map(unknowns.map((u, i) => [u, i]));
  const rows = eqs.map((e) => {
    const row = new Array<bigint>(unknowns.length).fill(0n);
    const add = (k: string, s: bigint) => {
      const c = released.get(k);
      if (c == null || c.suppressed) { if (col.has(k)) row[col.get(k)!] += s; }
    };
    add(e.total, 1n);
    for (const p of e.parts) add(p, -1n);
    return row;
  }).filter((r) => r.some((v) => v !== 0n));
  return unknowns.filter((_, i) => determined(rows, i));
}


/**
 * e_i is in the row space iff, in the exact (BigInt, fraction-free Gauss–Jordan) reduced form, column i is a
 * pivot whose row has no other entry. Done once per system and memoised, so each cell is a lookup.
 */
const reducedCache = new WeakMap<bigint[][], Set<number>>();
function determined(rows: bigint[][], i: number): boolean {
  let set = reducedCache.get(rows);
  if (!set) {
    const a = rows.map((r) => r.slice());
    const width = a[0]?.length ?? 0;
    const pivots: Array<[number, number]> = [];
    let r = 0;
    for (let c = 0; c < width && r < a.length; c++) {
      const p = a.findIndex((row, k) => k >= r && row[c] !== 0n);
      if (p < 0) continue;
      [a[r], a[p]] = [a[p], a[r]];
      for (let k = 0; k < a.length; k++) {
        if (k === r || a[k][c] === 0n) continue;
        const f = a[k][c], g = a[r][c];
        a[k] = a[k].map((v, j) => v * g - a[r][j] * f);
        let d = 0n;
        for (const v of a[k]) { let x = v < 0n ? -v : v, y = d; while (y) [x, y] = [y, x % y]; d = x; }
        if (d > 1n) a[k] = a[k].map((v) => v / d);
      }
      pivots.push([r, c]);
      r++;
    }
    set = new Set(pivots.filter(([row, col]) => a[row].every((v, j) => j === col || v === 0n)).map(([, col]) => col));
    reducedCache.set(rows, set);
  }
  return set.has(i);
}
