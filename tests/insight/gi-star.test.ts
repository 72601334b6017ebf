// Gi* against independent references: a hand-computed example with a closed-form answer, and the original
// Getis & Ord (1992) ratio form G*_i = Σ w x / Σ x with its expectation and variance, computed with a dense
// n×n weight matrix built from Euclidean distances — a different formula and a different code path.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bandOffsets, giStar, twoSidedP, type LatticeCell } from '../../server/insight/gi-star';
import { significanceBin } from '../../common/insight';

/** Getis & Ord 1992, eqs. for G*_i, E(G*_i) = W*_i / n, Var(G*_i) = W*_i (n − W*_i) Y*_i2 / (n² (n − 1) Y*_i1²). */
function referenceGiStar(cells: LatticeCell[], band: number): number[] {
  const n = cells.length;
  const W: number[][] = cells.map((a) =>
    cells.map((b) => (Math.hypot(a.ix - b.ix, a.iy - b.iy) <= band + 1e-12 ? 1 : 0)),
  );
  const x = cells.map((c) => c.count);
  const total = x.reduce((s, v) => s + v, 0);
  const y1 = total / n;
  const y2 = x.reduce((s, v) => s + v * v, 0) / n - y1 * y1;
  return cells.map((_, i) => {
    const row = W[i];
    const wi = row.reduce((s, v) => s + v, 0);
    const g = row.reduce((s, w, j) => s + w * x[j], 0) / total;
    const e = wi / n;
    const variance = (wi * (n - wi) * y2) / (n * n * (n - 1) * y1 * y1);
    return (g - e) / Math.sqrt(variance);
  });
}

function row(values: number[]): LatticeCell[] {
  return values.map((count, ix) => ({ ix, iy: 0, count }));
}

function lattice(rows: number[][]): LatticeCell[] {
  return rows.flatMap((r, iy) => r.map((count, ix) => ({ ix, iy, count })));
}

describe('giStar', () => {
  it('matches the hand-computed example x = 1…5 on a line with band 1 cell', () => {
    // n = 5, X̄ = 3, S² = 55/5 − 9 = 2. Cell 0: neighbours {0,1}: W = 2, Σwx = 3 → (3 − 6) / (√2·√((10 − 4)/4)) = −3/√3 = −√3.
    // Cell 1: {0,1,2}: W = 3, Σwx = 6 → (6 − 9) / (√2·√((15 − 9)/4)) = −√3. Cell 2: Σwx = 9 = X̄·W → 0. Symmetric above.
    const r = giStar(row([1, 2, 3, 4, 5]), 1);
    const s3 = Math.sqrt(3);
    const expected = [-s3, -s3, 0, s3, s3];
    expect(r.n).toBe(5);
    expect(r.mean).toBe(3);
    expect(r.sd).toBeCloseTo(Math.SQRT2, 12);
    expect(Array.from(r.weights)).toEqual([2, 3, 3, 3, 2]);
    r.z.forEach((z, i) => expect(Math.abs(z - expected[i])).toBeLessThan(1e-9));
  });

  it('matches the hand-computed 3×3 example with rook band (1 cell) and one hot corner', () => {
    // x = 9 at (0,0), zeros elsewhere. n = 9, X̄ = 1, S² = 81/9 − 1 = 8.
    // Corner (0,0): W = 3 (self, right, up), Σwx = 9 → (9 − 3) / (√8 · √((27 − 9)/8)) = 6 / √18 = √2.
    // Centre (1,1): W = 5, Σwx = 0 → (0 − 5) / (√8 · √((45 − 25)/8)) = −5/√20 = −√5/2.
    const cells = lattice([[9, 0, 0], [0, 0, 0], [0, 0, 0]]);
    const r = giStar(cells, 1);
    const at = (ix: number, iy: number) => r.z[cells.findIndex((c) => c.ix === ix && c.iy === iy)];
    expect(Math.abs(at(0, 0) - Math.SQRT2)).toBeLessThan(1e-9);
    expect(Math.abs(at(1, 1) + Math.sqrt(5) / 2)).toBeLessThan(1e-9);
  });

  it('matches the Getis–Ord 1992 matrix form on a 5×5 lattice with a hot cluster, queen band', () => {
    const cells = lattice([
      [0, 1, 0, 2, 0],
      [1, 9, 8, 1, 0],
      [0, 7, 12, 2, 1],
      [0, 1, 2, 0, 0],
      [3, 0, 0, 0, 1],
    ]);
    const ours = giStar(cells, 1.5);
    const ref = referenceGiStar(cells, 1.5);
    ref.forEach((z, i) => expect(Math.abs(ours.z[i] - z)).toBeLessThan(1e-9));
    // the cluster centre is a 99 % hot spot, an empty corner is not hot
    const centre = cells.findIndex((c) => c.ix === 2 && c.iy === 2);
    expect(significanceBin(ours.z[centre])).toBe(3);
    expect(ours.z[cells.findIndex((c) => c.ix === 4 && c.iy === 0)]).toBeLessThan(0);
  });

  it('matches the matrix form on random irregular study areas (holes, zero cells) and bands', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({ ix: fc.integer({ min: -6, max: 6 }), iy: fc.integer({ min: -6, max: 6 }), count: fc.integer({ min: 0, max: 40 }) }),
          { minLength: 6, maxLength: 60, selector: (c) => `${c.ix},${c.iy}` },
        ),
        fc.constantFrom(1, 1.5, 2, 2.5, 3),
        (cells, band) => {
          const counts = cells.map((c) => c.count);
          fc.pre(new Set(counts).size > 1); // S = 0 leaves Gi* undefined
          const ours = giStar(cells, band);
          const ref = referenceGiStar(cells, band);
          ref.forEach((z, i) => {
            if (!Number.isFinite(z)) expect(ours.z[i]).toBe(0); // W*_i = n: no variance
            else expect(Math.abs(ours.z[i] - z)).toBeLessThan(1e-9);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('returns 0, not NaN, when every count is equal', () => {
    const r = giStar(lattice([[2, 2], [2, 2]]), 1);
    expect(Array.from(r.z)).toEqual([0, 0, 0, 0]);
  });

  it('refuses duplicate cells and bad bands', () => {
    expect(() => giStar([{ ix: 0, iy: 0, count: 1 }, { ix: 0, iy: 0, count: 2 }], 1)).toThrow(/duplicate cell/);
    expect(() => bandOffsets(Number.NaN)).toThrow(RangeError);
    expect(bandOffsets(1.5)).toHaveLength(9);
    expect(bandOffsets(1)).toHaveLength(5);
  });
});

describe('significance', () => {
  it('bins z at 90/95/99 % two-sided, cold negative and hot positive', () => {
    expect(significanceBin(1.6)).toBe(0);
    expect(significanceBin(1.645)).toBe(1);
    expect(significanceBin(-1.96)).toBe(-2);
    expect(significanceBin(2.6)).toBe(3);
    expect(significanceBin(-3)).toBe(-3);
  });

  it('gives two-sided p-values of the standard normal', () => {
    expect(twoSidedP(1.959964)).toBeCloseTo(0.05, 5);
    expect(twoSidedP(2.575829)).toBeCloseTo(0.01, 5);
    expect(twoSidedP(0)).toBeCloseTo(1, 6);
  });
});
