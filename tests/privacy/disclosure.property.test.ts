// The disclosure rule, proved over random populations: for every role's released table, (1) every released
// count is true and 0 or ≥ K, (2) no suppressed cell is determined by the released cells and the sums an
// outsider knows (parent = Σ children at every pair of visible levels, unit total = Σ groups), checked with an
// exact rank test written independently of the module (BigInt elimination, column criterion), and (3) a
// request's parameters only select from that one table.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DISCLOSURE_K,
  VISIBLE_LEVELS,
  releaseTable,
  suppressCells,
  type SubjectCount,
} from '../../server/privacy/disclosure';
import { derivable, rank, truth, type World } from '../helpers/disclosure-check';
import { USER_ROLES } from '../../common/domain';

const world: fc.Arbitrary<World> = fc
  .record({
    groups: fc.integer({ min: 1, max: 3 }),
    shape: fc.array(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    seed: fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 6 })), { minLength: 80, maxLength: 80 }),
  })
  .map(({ groups, shape, seed }) => {
    const gs = ['a', 'b', 'c'].slice(0, groups);
    const counts: SubjectCount[] = [];
    let b = 0, g = 0, s = 0;
    shape.forEach((grids, ci) => {
      for (const buildings of grids) {
        g++;
        for (let i = 0; i < buildings; i++) {
          b++;
          for (const group of gs) counts.push({ buildingId: b, gridId: g, communityId: ci + 1, group, n: seed[s++ % seed.length] });
        }
      }
    });
    return { counts, groups: gs };
  });

describe('disclosure rule (property-based)', () => {
  for (const role of USER_ROLES) {
    it(`releases to ${role} only true counts of 0 or ≥ ${DISCLOSURE_K}, and no suppressed cell can be derived`, () => {
      fc.assert(
        fc.property(world, (w) => {
          const levels = VISIBLE_LEVELS[role];
          const table = releaseTable(w.counts, w.groups, levels);
          const { value, key } = truth(w, levels);
          for (const c of table.cells) {
            expect(levels).toContain(c.level);
            if (c.suppressed) expect(c.count).toBeNull();
            else {
              expect(c.count).toBe(value.get(key(c.level, c.unitId, c.group)));
              expect(c.count === 0 || c.count! >= DISCLOSURE_K).toBe(true);
            }
          }
          // every non-zero cell is in the table (an absent cell means a released 0)
          for (const [k, v] of value) if (v > 0) expect(table.cells.some((c) => key(c.level, c.unitId, c.group) === k)).toBe(true);
          expect(derivable(table, w, levels)).toEqual([]);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('catches what the one-unknown-per-equation rule misses: a bridge cell between two suppressed cycles', () => {
    // 2 × 4 table with row and column totals; cells r0c0,r0c1,r1c0,r1c1 form one 4-cycle and r0c2,r0c3,r1c2,r1c3
    // another; suppressing both leaves every row/column with ≥ 2 unknowns, and nothing is derivable. Now add a
    // third row where only a single cell links the cycles: the checker must not accept a derivable cell.
    const values = [1, 5, 5, 1, 12, 5, 1, 1, 5, 12, 6, 6, 6, 6, 24];
    // rows: [0..3]+total 4, [5..8]+total 9; columns: 10..13 totals of (0,5),(1,6),(2,7),(3,8); grand 14
    const eq = [
      { total: 4, parts: [0, 1, 2, 3] }, { total: 9, parts: [5, 6, 7, 8] },
      { total: 10, parts: [0, 5] }, { total: 11, parts: [1, 6] }, { total: 12, parts: [2, 7] }, { total: 13, parts: [3, 8] },
      { total: 14, parts: [4, 9] }, { total: 14, parts: [10, 11, 12, 13] },
    ];
    const sup = suppressCells(values, eq, 3);
    expect(sup[0] && sup[3] && sup[6] && sup[7]).toBe(true);
    // independently: no suppressed cell is in the row space
    const unknown = values.map((_, i) => i).filter((i) => sup[i]);
    const rows = eq.map((e) => unknown.map((u) => BigInt((e.total === u ? 1 : 0) - (e.parts.includes(u) ? 1 : 0)))).filter((r) => r.some((v) => v !== 0n));
    const full = rank(rows);
    for (let i = 0; i < unknown.length; i++) expect(rank(rows.map((r) => r.filter((_, j) => j !== i)))).toBe(full);
  });
});
