// Property-based fuzzing (fast-check) of the intake and list parsers, and of the real HTTP intake: whatever
// arrives, the answer is 201 or a 4xx with a stable code — never a 500 — and only accepted reports add rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ListIncidentsQuerySchema, ReportIncidentSchema } from '../../common/incidents';
import { ERROR_STATUS } from '../../common/errors';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { loadFixture } from './fixture';

const anyCoordinate = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, null, '117.12', '', true, [], {}),
);

describe('intake parsers', () => {
  it('a parsed report always has a finite WGS84 location and a known category', () => {
    fc.assert(
      fc.property(anyCoordinate, anyCoordinate, fc.string(), (lon, lat, category) => {
        const r = ReportIncidentSchema.safeParse({ category, title: 't', location: { lon, lat } });
        if (r.success) {
          expect(Number.isFinite(r.data.location.lon) && Math.abs(r.data.location.lon) <= 180).toBe(true);
          expect(Number.isFinite(r.data.location.lat) && Math.abs(r.data.location.lat) <= 90).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a parsed list query has an allow-listed sort, a bounded page and a well-formed bbox', () => {
    const param = fc.oneof(fc.string(), fc.constantFrom('-1', '501', '1e3', 'id;--', '0', '500', '117.1,39.1,117.2,39.3', 'NaN,1,2,3'));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('sort', 'limit', 'offset', 'bbox', 'status', 'grid', 'since'), param), (q) => {
        const r = ListIncidentsQuerySchema.safeParse(q);
        if (r.success) {
          expect(['reported_at', '-reported_at', 'due_at', '-due_at', 'updated_at', '-updated_at', 'id', '-id']).toContain(r.data.sort);
          expect(r.data.limit >= 1 && r.data.limit <= 500).toBe(true);
          expect(r.data.offset >= 0).toBe(true);
          if (r.data.bbox) expect(r.data.bbox.every(Number.isFinite)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe.each(backends())('fuzzed HTTP intake on %s', (backend) => {
  let t: TestDb;
  let srv: TestApp;
  let disp: Session;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    await loadFixture(t.db);
    srv = await startTestApp(t.db);
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  it('answers 201 or a coded 4xx, never 500, and stores only what it accepted', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        anyCoordinate,
        anyCoordinate,
        fc.constantFrom('environment', 'ufo', '', 'safety'),
        fc.string({ maxLength: 50 }),
        async (lon, lat, category, title) => {
          const res = await fetch(`${srv.baseUrl}/api/incidents`, {
            method: 'POST',
            headers: disp.headers,
            body: JSON.stringify({ category, title, location: { lon, lat } }),
          });
          const body = (await res.json()) as { error?: { code: keyof typeof ERROR_STATUS } };
          if (res.status === 201) accepted++;
          else {
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(res.status).toBeLessThan(500);
            expect(ERROR_STATUS[body.error?.code as keyof typeof ERROR_STATUS]).toBe(res.status);
          }
        },
      ),
      { numRuns: 60 },
    );
    const n = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents');
    expect(n.rows[0].n).toBe(accepted);
  });
});
