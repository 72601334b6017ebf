// Getis-Ord Gi* on a fixed square lattice with binary fixed-distance weights (self included).
//
// For cell i with neighbours j (centre-to-centre distance ≤ d, i itself included), w_ij ∈ {0, 1}:
//
//          Σ_j w_ij x_j − X̄ Σ_j w_ij
//   Gi* = ───────────────────────────────────────────────     X̄ = Σ_j x_j / n,  S = √(Σ_j x_j² / n − X̄²)
//          S · √( (n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1) )
//
// This is the standardised Gi* of Getis & Ord (1992, "The analysis of spatial association by use of distance
// statistics", Geographical Analysis 24(3)) in the form given by Ord & Getis (1995, Geographical Analysis
// 27(4), eq. 14), i.e. (G*_i − E[G*_i]) / √Var[G*_i] under the normal approximation; it is itself a z-score.
// n counts every cell of the study area, zero-count cells included — leaving them out would bias every mean.
import { significanceBin, type SignificanceBin } from '../../common/insight';

export interface LatticeCell {
  ix: number;
  iy: number;
  count: number;
}

export interface GiStarResult {
  n: number;
  mean: number;
  /** Population standard deviation S of the counts. */
  sd: number;
  /** Gi* z-score per input cell, in input order (0 when the statistic is undefined: S = 0 or Σw = n). */
  z: Float64Array;
  /** Σ_j w_ij per cell (neighbours present in the study area, self included). */
  weights: Int32Array;
}

/** Lattice offsets (dx, dy) whose centre-to-centre distance is ≤ bandCells (in cell units), self included. */
export function bandOffsets(bandCells: number): Array<[number, number]> {
  if (!(bandCells >= 0) || !Number.isFinite(bandCells)) throw new RangeError(`band must be a finite number ≥ 0 cells, got ${bandCells}`);
  const r = Math.floor(bandCells);
  const out: Array<[number, number]> = [];
  // A tiny tolerance so that e.g. √2 cells with band 1.4142135 still counts the diagonal as intended.
  const limit = bandCells * bandCells + 1e-9;
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= limit) out.push([dx, dy]);
  return out;
}

/**
 * Gi* for every cell. Cells are unique (ix, iy) pairs; a neighbour offset that falls outside the study
 * area (no such cell in the input) has no weight — the study area ends there.
 */
export function giStar(cells: readonly LatticeCell[], bandCells: number): GiStarResult {
  const n = cells.length;
  const z = new Float64Array(n);
  const weights = new Int32Array(n);
  if (n === 0) return { n, mean: 0, sd: 0, z, weights };

  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  let sum = 0, sumSq = 0;
  for (const c of cells) {
    if (c.ix < minX) minX = c.ix;
    if (c.ix > maxX) maxX = c.ix;
    if (c.iy < minY) minY = c.iy;
    if (c.iy > maxY) maxY = c.iy;
    sum += c.count;
    sumSq += c.count * c.count;
  }
  // Dense index over the bounding box: O(1) neighbour look-ups without string keys.
  const width = maxX - minX + 1;
  const height = maxY - minY + 1;
  const slot = new Int32Array(width * height).fill(-1);
  cells.forEach((c, i) => {
    const k = (c.iy - minY) * width + (c.ix - minX);
    if (slot[k] !== -1) throw new RangeError(`duplicate cell (${c.ix}, ${c.iy})`);
    slot[k] = i;
  });

  const mean = sum / n;
  const sd = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  const offsets = bandOffsets(bandCells);

  for (let i = 0; i < n; i++) {
    const { ix, iy } = cells[i];
    let wSum = 0;
    let lag = 0;
    for (const [dx, dy] of offsets) {
      const x = ix + dx - minX;
      const y = iy + dy - minY;
      if (x < 0 || y < 0 || x >= width || y >= height) continue;
      const j = slot[y * width + x];
      if (j === -1) continue;
      wSum += 1;
      lag += cells[j].count;
    }
    weights[i] = wSum;
    // binary weights: Σ w_ij² = Σ w_ij
    const varTerm = (n * wSum - wSum * wSum) / (n - 1);
    z[i] = sd > 0 && varTerm > 0 && n > 1 ? (lag - mean * wSum) / (sd * Math.sqrt(varTerm)) : 0;
  }
  return { n, mean, sd, z, weights };
}

/** Two-sided p-value of a standard normal z (Abramowitz & Stegun 7.1.26 erfc approximation, |ε| < 1.5e-7). */
export function twoSidedP(zValue: number): number {
  const x = Math.abs(zValue) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return Math.min(1, Math.max(0, erfc));
}

export { significanceBin, type SignificanceBin };
