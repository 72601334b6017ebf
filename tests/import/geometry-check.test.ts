// The structural geometry check is the first thing a file's content meets: property-based fuzzing shows it
// either returns a geometry of an allowed type with finite WGS84 positions, or throws INVALID_GEOMETRY —
// never another exception, whatever the input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkAndConvert, type GeomType } from '../../server/import/geometry-check';
import { converterFor } from '../../server/import/crs';
import { AppError } from '../../common/errors';

const ALL: GeomType[] = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'];
const num = fc.oneof(fc.double(), fc.integer({ min: -200, max: 200 }), fc.constantFrom(NaN, Infinity, -Infinity, 180.0001, -90.5));
const position = fc.oneof(fc.tuple(num, num), fc.array(num, { maxLength: 4 }), fc.constant(null), fc.string());
const coords = fc.letrec((tie) => ({
  c: fc.oneof({ depthSize: 'small' }, position, fc.array(tie('c'), { maxLength: 5 })),
})).c;
const geometry = fc.record({
  type: fc.oneof(fc.constantFrom(...ALL, 'GeometryCollection', 'Circle'), fc.string()),
  coordinates: coords,
}, { requiredKeys: [] });

function positionsOf(c: unknown): number[][] {
  if (!Array.isArray(c)) return [];
  if (c.every((x) => typeof x === 'number')) return [c as number[]];
  return c.flatMap(positionsOf);
}

describe('checkAndConvert (fuzzed)', () => {
  it('returns an allowed, finite, in-range geometry or throws INVALID_GEOMETRY', () => {
    fc.assert(fc.property(fc.oneof(geometry, fc.anything()), fc.subarray(ALL, { minLength: 1 }), fc.constantFrom('wgs84', 'gcj02', 'bd09' as const), (g, allowed, crs) => {
      try {
        const out = checkAndConvert(g, allowed, { index: 0 }, converterFor(crs));
        expect(allowed).toContain(out.type);
        const positions = positionsOf(out.coordinates);
        expect(positions.length).toBeGreaterThan(0);
        for (const p of positions) {
          expect(p).toHaveLength(2);
          expect(Math.abs(p[0])).toBeLessThanOrEqual(180);
          expect(Math.abs(p[1])).toBeLessThanOrEqual(90);
        }
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('INVALID_GEOMETRY');
        expect((err as AppError).field).toBe('features[0].geometry');
      }
    }), { numRuns: 2000 });
  });

  it('refuses a position out of range before converting it (BD-09 once turned lon 180.0001 into NaN, which passed)', () => {
    const g = { type: 'Point', coordinates: [180.0001, -3.433340982908434e306] };
    for (const crs of ['wgs84', 'gcj02', 'bd09'] as const) {
      expect(() => checkAndConvert(g, ['Point'], { index: 0 }, converterFor(crs))).toThrow(/outside longitude\/latitude range/);
    }
  });

  it('accepts a valid closed polygon unchanged in WGS84', () => {
    const ring = [[117.1, 39.2], [117.2, 39.2], [117.2, 39.3], [117.1, 39.2]];
    expect(checkAndConvert({ type: 'Polygon', coordinates: [ring] }, ['Polygon'], { index: 3 }, converterFor('wgs84'))).toEqual({ type: 'Polygon', coordinates: [ring] });
  });
});
