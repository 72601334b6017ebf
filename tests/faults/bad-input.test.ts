// Bad input across every route that exists (QUALITY.md "Bad input", the cross-cutting part): not-JSON bodies,
// unknown fields, oversized bodies, SQL injection / huge / negative paging / world bbox in query strings,
// and property-based fuzzing of coordinates and query parameters. Each answer is a 4xx with a stable code;
// the server keeps serving; no row changes (content hash of every table before and after).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { USER_ROLES, type UserRole } from '../../common/domain';
import { ERROR_STATUS } from '../../common/errors';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { listRoutes, type RouteEntry } from '../../server/auth/route-inventory';
import { changedTables, fingerprint, type Fingerprint } from './db-fingerprint';

const KNOWN_CODES = new Set(Object.keys(ERROR_STATUS));
const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function concrete(path: string): string {
  return path.replace(/\{[^}]*\}/g, '').replace(/:[A-Za-z0-9_]+/g, '1').replace(/\*[A-Za-z0-9_]*/g, 'x');
}

interface Answer {
  status: number;
  code?: string;
  message?: string;
  bytes: number;
  ms: number;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  const buf = Buffer.from(await res.arrayBuffer());
  let code: string | undefined;
  let message: string | undefined;
  try {
    const e = (JSON.parse(buf.toString('utf8')) as { error?: { code?: string; message?: string } }).error;
    code = e?.code;
    message = e?.message;
  } catch {
    /* not JSON: judged by the caller */
  }
  return { status: res.status, code, message, bytes: buf.length, ms: performance.now() - t0 };
}

/** A 4xx with a stable code and a message, or a success that is bounded (no 5xx, no hang, no giant body). */
function judge(a: Answer): string | undefined {
  if (a.status >= 500) return `status ${a.status} ${a.code ?? ''}`;
  if (a.status >= 400 && (!a.code || !KNOWN_CODES.has(a.code) || !a.message)) return `status ${a.status} without a stable code`;
  if (a.ms > 15_000) return `took ${Math.round(a.ms)} ms`;
  if (a.bytes > 60 * 1024 * 1024) return `answered ${a.bytes} bytes`;
  return undefined;
}

// Query parameters our list/layer endpoints use, each with hostile values for its kind.
const INJECTION = ["name;DROP TABLE incidents--", "1' OR '1'='1", "id) UNION SELECT password_hash FROM users--", "reported_at desc, (SELECT pg_sleep(20))"];
const QUERY_CASES: Array<[string, string[]]> = [
  ['sort', [...INJECTION, 'no_such_column']],
  ['order', ['desc; DELETE FROM incidents', 'sideways']],
  ['filter', INJECTION],
  ['q', INJECTION],
  ['status', INJECTION],
  ['category', INJECTION],
  ['type', INJECTION],
  ['bbox', ['-180,-90,180,90', '117.1,39.19,117.18,39.245);DROP TABLE grids;--', 'NaN,NaN,NaN,NaN', '1e309,0,0,0', '39.2,117.1,39.3,117.2']],
  ['limit', ['100000000', '-1', '1e9', "10; DROP TABLE users"]],
  ['pageSize', ['100000000', '-5']],
  ['offset', ['-1', '99999999999999999999', "0 OR 1=1"]],
  ['page', ['-1', '0', 'Infinity']],
  ['from', ["2026-01-01' OR '1'='1", 'not-a-date']],
  ['to', ['9999999-99-99']],
  ['zoom', ['-1', '1000']],
  ['purpose', ["audit'); DELETE FROM audit_log;--"]],
];

for (const backend of backends()) {
  describe(`bad input on every route (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    let routes: RouteEntry[];
    let before: Fingerprint;
    const sessions = new Map<UserRole, Session>();
    /** Headers of a session allowed to call the route (a street role where possible), so the guard passes. */
    const asAllowed = (r: RouteEntry): Record<string, string> => {
      if (r.access === 'public' || r.access === undefined) return {};
      const role = r.access.find((x) => x !== 'worker') ?? r.access[0];
      const s = sessions.get(role)!;
      return { cookie: s.cookie, 'x-csrf-token': s.csrf };
    };

    beforeAll(async () => {
      t = await freshDb(backend, 'sample');
      // background jobs (escalation timers, the outbox cursor) are not started: only requests may change rows
      srv = await startTestApp(t.db, { start: false });
      for (const role of USER_ROLES) sessions.set(role, await loginAs(srv.baseUrl, t.db, role));
      routes = listRoutes(srv.app.app).filter((r) => r.path.startsWith('/api/') && r.path !== '/api/auth/logout');
      before = await fingerprint(t.db);
    });
    afterAll(async () => {
      await srv.close();
      await t.drop();
    });

    it('answers a body that is not JSON with 400 INVALID_JSON on every write route', async () => {
      const writes = routes.filter((r) => WRITE.has(r.method));
      expect(writes.length).toBeGreaterThan(0);
      const wrong: string[] = [];
      for (const r of writes) {
        for (const body of ['{"title": "x",', 'not json at all', '\u0000\u00ff\u00fe', '[1,2,']) {
          const a = await send(`${srv.baseUrl}${concrete(r.path)}`, {
            method: r.method,
            headers: { ...asAllowed(r), 'content-type': 'application/json' },
            body,
          });
          if (a.status !== 400 || a.code !== 'INVALID_JSON') wrong.push(`${r.method} ${r.path} ${JSON.stringify(body)} → ${a.status} ${a.code}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it('refuses unknown fields (no mass assignment) on every write route', async () => {
      const wrong: string[] = [];
      for (const r of routes.filter((x) => WRITE.has(x.method))) {
        const a = await send(`${srv.baseUrl}${concrete(r.path)}`, {
          method: r.method,
          headers: { ...asAllowed(r), 'content-type': 'application/json' },
          body: JSON.stringify({ id: 1, role: 'admin', version: 999, status: 'closed', isAdmin: true, __proto__: { polluted: true } }),
        });
        if (a.status < 400 || a.status >= 500 || !a.code || !KNOWN_CODES.has(a.code)) wrong.push(`${r.method} ${r.path} → ${a.status} ${a.code}`);
      }
      expect(wrong).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // a valid report plus fields it must not set: refused, naming the unknown field
      const d = sessions.get('dispatcher')!;
      const a = await send(`${srv.baseUrl}/api/incidents`, {
        method: 'POST',
        headers: d.headers,
        body: JSON.stringify({ category: 'environment', title: 'x', location: { lon: 117.14, lat: 39.22 }, status: 'closed', assigneeId: 1 }),
      });
      if (routes.some((r) => r.method === 'POST' && r.path === '/api/incidents')) {
        expect(a.status).toBe(400);
        expect(a.code).toBe('VALIDATION_ERROR');
        expect(a.message).toMatch(/unknown field/);
      }
    });

    it('answers 413 PAYLOAD_TOO_LARGE to a body over the limit on every write route, and to 50 MB', async () => {
      const big = JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) });
      const wrong: string[] = [];
      const writes = routes.filter((x) => WRITE.has(x.method));
      for (const r of writes) {
        const a = await send(`${srv.baseUrl}${concrete(r.path)}`, { method: r.method, headers: { ...asAllowed(r), 'content-type': 'application/json' }, body: big });
        if (a.status !== 413 || a.code !== 'PAYLOAD_TOO_LARGE') wrong.push(`${r.method} ${r.path} → ${a.status} ${a.code}`);
      }
      expect(wrong).toEqual([]);
      const huge = Buffer.alloc(50 * 1024 * 1024, 0x61);
      for (const r of writes.slice(0, 3)) {
        const a = await send(`${srv.baseUrl}${concrete(r.path)}`, {
          method: r.method,
          headers: { ...asAllowed(r), 'content-type': 'application/json' },
          body: huge,
        }).catch((e: unknown) => ({ status: 0, code: String(e), bytes: 0, ms: 0 }) as Answer);
        // the server may close the connection once the limit is passed; either way it must not store anything
        expect([413, 0], `${r.method} ${r.path}`).toContain(a.status);
      }
      expect((await fetch(`${srv.baseUrl}/healthz`)).status).toBe(200);
    });

    it('survives SQL injection, unknown sort columns, huge and negative paging and a world bbox on every GET route', async () => {
      const gets = routes.filter((r) => r.method === 'GET' && r.path !== '/api/auth/pair');
      expect(gets.length).toBeGreaterThan(0);
      const wrong: string[] = [];
      for (const r of gets) {
        for (const [key, values] of QUERY_CASES) {
          for (const v of values) {
            const url = `${srv.baseUrl}${concrete(r.path)}?${new URLSearchParams({ [key]: v })}`;
            const verdict = judge(await send(url, { headers: asAllowed(r) }));
            if (verdict) wrong.push(`GET ${r.path}?${key}=${v} → ${verdict}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    }, 600_000);

    it('fuzzes query parameters of every GET route (fast-check): always a bounded answer or a coded 4xx', async () => {
      const gets = routes.filter((r) => r.method === 'GET' && r.path !== '/api/auth/pair');
      const keys = QUERY_CASES.map(([k]) => k);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...gets),
          fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.string({ maxLength: 40 }), fc.double().map(String), fc.integer().map(String)), { maxKeys: 4 }),
          async (r, query) => {
            const a = await send(`${srv.baseUrl}${concrete(r.path)}?${new URLSearchParams(query)}`, { headers: asAllowed(r) });
            expect(judge(a), `GET ${r.path} ${JSON.stringify(query)}`).toBeUndefined();
          },
        ),
        { numRuns: 150 },
      );
    });

    it('fuzzes coordinates of an incident report (fast-check): swapped, out of range, NaN, strings, outside the street', async () => {
      if (!routes.some((r) => r.method === 'POST' && r.path === '/api/incidents')) return;
      const d = sessions.get('dispatcher')!;
      // anything but a point inside the street (117.10–117.18 E, 39.19–39.245 N), so no report may be stored
      const farLon = fc.oneof(fc.double({ min: -180, max: 116 }), fc.double({ min: 119, max: 180 }));
      const coord = fc.oneof(
        fc.double(), // includes NaN, ±Infinity (JSON null), ±0, huge
        fc.string({ maxLength: 12 }),
        fc.constant(null),
        fc.boolean(),
        fc.array(fc.double(), { maxLength: 3 }),
        fc.integer({ min: 181, max: 2 ** 31 }),
      );
      const location = fc.oneof(
        fc.record({ lon: farLon, lat: fc.double({ min: -90, max: 90, noNaN: true }) }),
        fc.record({ lon: coord, lat: coord }),
        fc.record({ lon: fc.constant(39.22), lat: fc.constant(117.14) }), // swapped
        fc.record({ lon: fc.double({ min: 117.1, max: 117.18, noNaN: true }), lat: fc.double({ min: 39.19, max: 39.245, noNaN: true }), alt: fc.double() }),
        fc.constant('POINT(117.14 39.22)'),
        fc.record({ type: fc.constant('Point'), coordinates: fc.array(coord, { maxLength: 4 }) }),
      );
      await fc.assert(
        fc.asyncProperty(location, async (loc) => {
          const a = await send(`${srv.baseUrl}/api/incidents`, {
            method: 'POST',
            headers: d.headers,
            body: JSON.stringify({ category: 'environment', title: 'fuzz', location: loc }),
          });
          expect(a.status >= 400 && a.status < 500, `${JSON.stringify(loc)} → ${a.status} ${a.code}`).toBe(true);
          expect(['VALIDATION_ERROR', 'OUT_OF_JURISDICTION', 'INVALID_GEOMETRY']).toContain(a.code);
        }),
        { numRuns: 200 },
      );
    });

    it('fuzzes bbox strings on every layer endpoint (fast-check)', async () => {
      const layers = routes.filter((r) => r.method === 'GET' && /^\/api\/(layers|basemap)\//.test(r.path));
      if (layers.length === 0) return;
      const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom('', ' ', '1e400', '-0', '0x10', '1,2'));
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...layers), fc.array(num, { minLength: 0, maxLength: 6 }), async (r, parts) => {
          const a = await send(`${srv.baseUrl}${r.path}?${new URLSearchParams({ bbox: parts.join(',') })}`, { headers: asAllowed(r) });
          expect(judge(a), `${r.path} bbox=${parts.join(',')}`).toBeUndefined();
        }),
        { numRuns: 150 },
      );
    });

    it('changed no row, and the server is alive', async () => {
      expect((await fetch(`${srv.baseUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${srv.baseUrl}/readyz`)).status).toBe(200);
      expect(changedTables(before, await fingerprint(t.db))).toEqual([]);
    });
  });
}
