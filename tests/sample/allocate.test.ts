// The exact-total split behind every official figure in the sample: integers, summing to the total, each
// within one of its proportional share; and the seeded PRNG repeats itself for the same seed and label.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocate, Rng } from '../../server/sample/prng';

describe('allocate', () => {
  it('splits a total exactly and proportionally', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.double({ min: 0.001, max: 1000, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (total, weights) => {
          const parts = allocate(total, weights);
          const sum = weights.reduce((a, b) => a + b, 0);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          parts.forEach((p, i) => {
            expect(Number.isInteger(p)).toBe(true);
            expect(Math.abs(p - (total * weights[i]) / sum)).toBeLessThan(1 + 1e-9);
          });
        },
      ),
    );
  });

  it('refuses weights that cannot carry a total', () => {
    expect(() => allocate(5, [])).toThrow();
    expect(() => allocate(5, [0, 0])).toThrow();
  });
});

describe('Rng', () => {
  it('repeats for the same seed and label and differs otherwise', () => {
    const draw = (seed: number, label: string) => {
      const r = new Rng(seed, label);
      return Array.from({ length: 20 }, () => r.next());
    };
    expect(draw(1, 'a')).toEqual(draw(1, 'a'));
    expect(draw(1, 'a')).not.toEqual(draw(2, 'a'));
    expect(draw(1, 'a')).not.toEqual(draw(1, 'b'));
    for (const v of draw(3, 'x')) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});
