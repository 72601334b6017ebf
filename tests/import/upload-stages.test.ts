// Staged uploads outlive their process (issue 14 item 3): two app instances on one database and one stage
// folder serve each other's stages (upload on one, preview on the other, apply back on the first); only one
// of two simultaneous previews claims a stage; an instance closed mid-preview (as a crash: it writes nothing
// more) leaves the stage previewing, and the next instance's start marks it failed with IMPORT_INTERRUPTED so
// the admin previews again and applies; a silent run of another process is failed once its heartbeat is stale,
// a fresh one is left alone; start-up removes orphan and applied stage folders, never a fresh upload's or a
// foreign folder; another admin gets IMPORT_STAGE_GONE on every route. Both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { MONACO_PBF } from '../helpers/osm-cut';
import { ManualClock } from '../../server/clock';
import { STALE_RUN_MS } from '../../server/import/import-stages';
import type { StageStatus } from '../../common/import-stage';
import type { ApiErrorBody } from '../../common/errors';
import { fixture } from './helpers';

type Body = StageStatus & ApiErrorBody & { status: StageStatus };

describe.each(backends())('staged uploads across instances on %s', (backend) => {
  let t: TestDb;
  let dir: string;
  let a: TestApp;
  let b: TestApp;
  let admin: Session;
  let other: Session;
  const clock = new ManualClock(new Date('2026-12-01T02:00:00Z'));
  const start = (opts: { start?: boolean } = {}) => startTestApp(t.db, { clock, config: { IMPORT_STAGE_DIR: dir }, ...opts });

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    dir = await mkdtemp(path.join(tmpdir(), 'gcc-stages-shared-'));
    a = await start();
    b = await start();
    admin = await loginAs(a.baseUrl, t.db, 'admin');
    other = await loginAs(a.baseUrl, t.db, 'admin');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function upload(base: string, name: string, bytes: Uint8Array) {
    const res = await fetch(`${base}/api/import/uploads?name=${encodeURIComponent(name)}`, {
      method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes),
    });
    const body = (await res.json()) as Body;
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body;
  }
  async function call(base: string, method: string, p: string, body?: unknown, s: Session = admin) {
    const res = await fetch(`${base}${p}`, { method, headers: s.headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Body };
  }
  async function settle(base: string, id: string): Promise<Body> {
    for (let i = 0; i < 1200; i++) {
      const s = await call(base, 'GET', `/api/import/uploads/${id}`);
      if (s.body.state !== 'previewing') return s.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('preview did not finish');
  }
  const row = async (id: string) => (await t.db.query<{ state: string; runner: string | null; error: { code: string; message: string } | null }>(
    'SELECT state, runner, error FROM import_stages WHERE id = $1', [id])).rows[0];

  it('a stage uploaded on one instance is previewed on another and applied back on the first', async () => {
    // The street first (its boundary), the same way across instances.
    const st = await upload(b.baseUrl, 'street.geojson', await readFile(fixture('admin/street.geojson')));
    expect((await call(a.baseUrl, 'POST', `/api/import/uploads/${st.id}/preview`, { target: 'street', street: { name: '测试街道', code: '990001001000' } })).status).toBe(202);
    expect((await settle(b.baseUrl, st.id)).state).toBe('previewed');
    expect((await call(b.baseUrl, 'POST', `/api/import/uploads/${st.id}/apply`)).status).toBe(200);

    const up = await upload(a.baseUrl, 'communities.geojson', await readFile(fixture('admin/communities-one-invalid.geojson')));
    expect(existsSync(path.join(dir, up.id, 'communities.geojson'))).toBe(true);
    expect(await row(up.id)).toMatchObject({ state: 'uploaded' });
    const started = await call(b.baseUrl, 'POST', `/api/import/uploads/${up.id}/preview`, { target: 'communities' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    // The first instance reads the other's run from the database until it is done.
    const p = await settle(a.baseUrl, up.id);
    expect(p.state, JSON.stringify(p.error)).toBe('previewed');
    expect(p.summary).toEqual({ create: 1, update: 0, refuse: 1 });
    expect((await t.db.query('SELECT 1 FROM communities')).rows).toHaveLength(0);

    const applied = await call(a.baseUrl, 'POST', `/api/import/uploads/${up.id}/apply`);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body.status.applied?.imported.communities).toBe(1);
    expect((await t.db.query<{ code: string }>('SELECT code FROM communities')).rows).toEqual([{ code: '990001001001' }]);
    const seen = await call(b.baseUrl, 'GET', `/api/import/uploads/${up.id}`);
    expect(seen.body.state).toBe('applied');
    expect(seen.body.applied?.imported.communities).toBe(1);
    expect(existsSync(path.join(dir, up.id))).toBe(false);
    const again = await call(b.baseUrl, 'POST', `/api/import/uploads/${up.id}/apply`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('IMPORT_STAGE_STATE');
    expect((await t.db.query('SELECT 1 FROM communities')).rows).toHaveLength(1);
  });

  it('two simultaneous previews on two instances: exactly one claims the stage', async () => {
    const bytes = await readFile(fixture('admin/communities-one-invalid.geojson'));
    // The two-feature preview takes tens of ms: on a loaded machine one request can reach its instance after the
    // other's preview has finished, and a preview of a previewed stage is rightly accepted. Such a pair did not
    // overlap, so it says nothing about the claim: try a fresh stage, up to five pairs. A claim that let two
    // overlapping previews run would give [202, 202] every time.
    let up = await upload(a.baseUrl, 'communities.geojson', bytes);
    let both = await Promise.all([a, b].map((x) => call(x.baseUrl, 'POST', `/api/import/uploads/${up.id}/preview`, { target: 'communities', makeValid: true })));
    for (let pair = 2; pair <= 5 && both.every((r) => r.status === 202); pair++) {
      await settle(a.baseUrl, up.id);
      up = await upload(a.baseUrl, 'communities.geojson', bytes);
      both = await Promise.all([a, b].map((x) => call(x.baseUrl, 'POST', `/api/import/uploads/${up.id}/preview`, { target: 'communities', makeValid: true })));
    }
    expect(both.map((r) => r.status).sort()).toEqual([202, 409]);
    expect(both.find((r) => r.status === 409)?.body.error.code).toBe('IMPORT_STAGE_STATE');
    expect((await settle(b.baseUrl, up.id)).state).toBe('previewed');
    expect((await call(b.baseUrl, 'DELETE', `/api/import/uploads/${up.id}`)).status).toBe(204);
    expect((await call(a.baseUrl, 'POST', `/api/import/uploads/${up.id}/apply`)).body.error.code).toBe('IMPORT_STAGE_GONE');
  });

  it('another admin is told IMPORT_STAGE_GONE on every route, on either instance', async () => {
    const up = await upload(a.baseUrl, 'grids.geojson', await readFile(fixture('admin/grids.geojson')));
    for (const x of [a, b]) {
      for (const [method, p, body] of [
        ['GET', '', undefined], ['POST', '/preview', { target: 'grids' }], ['POST', '/apply', undefined], ['DELETE', '', undefined],
      ] as const) {
        const r = await call(x.baseUrl, method, `/api/import/uploads/${up.id}${p}`, body, other);
        expect(r.status, `${method} ${p}`).toBe(410);
        expect(r.body.error.code).toBe('IMPORT_STAGE_GONE');
      }
    }
    expect(await row(up.id)).toMatchObject({ state: 'uploaded' });
    expect(existsSync(path.join(dir, up.id))).toBe(true);
  });

  it.skipIf(!existsSync(MONACO_PBF))('an instance stopped mid-preview: the next start marks the stage interrupted, and it is previewed again and applied', async () => {
    const up = await upload(a.baseUrl, 'monaco.osm.pbf', await readFile(MONACO_PBF));
    const started = await call(a.baseUrl, 'POST', `/api/import/uploads/${up.id}/preview`, { target: 'osm' });
    expect(started.status).toBe(202);
    // Stopped while the preview runs: nothing more is written for it, as if the process had died.
    await a.close();
    const left = await row(up.id);
    expect(left.state, 'the preview finished before the instance stopped: the test needs a longer preview').toBe('previewing');
    expect(left.runner).toBeTruthy();

    a = await start();
    const marked = await row(up.id);
    expect(marked.state).toBe('failed');
    expect(marked.runner).toBeNull();
    expect(marked.error?.code).toBe('IMPORT_INTERRUPTED');
    expect(marked.error?.message).toMatch(/preview again/);
    const seen = await call(b.baseUrl, 'GET', `/api/import/uploads/${up.id}`);
    expect(seen.body.state).toBe('failed');
    expect(seen.body.error?.code).toBe('IMPORT_INTERRUPTED');
    // Apply is refused until a preview succeeds; the staged file is still there for it.
    expect((await call(a.baseUrl, 'POST', `/api/import/uploads/${up.id}/apply`)).status).toBe(409);
    expect(existsSync(path.join(dir, up.id, 'monaco.osm.pbf'))).toBe(true);

    expect((await call(a.baseUrl, 'POST', `/api/import/uploads/${up.id}/preview`, { target: 'osm' })).status).toBe(202);
    const p = await settle(b.baseUrl, up.id);
    expect(p.state, JSON.stringify(p.error)).toBe('previewed');
    expect(p.error).toBeUndefined();
    const walk = p.preview?.imported.walk_edges ?? 0;
    expect(walk).toBeGreaterThan(0);
    const applied = await call(b.baseUrl, 'POST', `/api/import/uploads/${up.id}/apply`);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM walk_edges')).rows[0].n).toBe(walk);
  }, 240_000);

  it("another process's run is failed once its heartbeat is stale, not while it is fresh", async () => {
    const owner = `user:${admin.identity.userId}`;
    const now = clock.now().getTime();
    const insert = (id: string, state: string, heartbeat: number) => t.db.query(
      `INSERT INTO import_stages (id, owner, name, format, bytes, file, state, runner, request, created_at, expires_at, updated_at)
       VALUES ($1, $2, 'g.geojson', 'geojson', 10, $1 || '/g.geojson', $3, 'ffffffffffff:0123456789ab', '{"target":"grids"}'::jsonb,
               to_timestamp($4::float8 / 1000), to_timestamp($5::float8 / 1000), to_timestamp($6::float8 / 1000))`,
      [id, owner, state, now, now + 30 * 60_000, heartbeat],
    );
    const stale = 'a'.repeat(32);
    const fresh = 'b'.repeat(32);
    const staleApply = 'c'.repeat(32);
    await insert(stale, 'previewing', now - STALE_RUN_MS - 1_000);
    await insert(fresh, 'previewing', now - 1_000);
    await insert(staleApply, 'applying', now - STALE_RUN_MS - 1_000);
    const c = await start();
    try {
      expect((await row(stale)).state).toBe('failed');
      expect((await row(fresh)).state).toBe('previewing');
      const failedApply = await row(staleApply);
      expect(failedApply.error?.code).toBe('IMPORT_INTERRUPTED');
      expect(failedApply.error?.message).toMatch(/one transaction, so nothing of it was written/);
      // The fresh run goes silent: once stale, reading it fails it too.
      clock.advance(STALE_RUN_MS + 1_000);
      const r = await call(c.baseUrl, 'GET', `/api/import/uploads/${fresh}`);
      expect(r.body.state).toBe('failed');
      expect(r.body.error?.code).toBe('IMPORT_INTERRUPTED');
    } finally {
      await c.close();
    }
  });

  it('start-up removes orphan and applied stage folders, never a fresh upload, a live stage or a foreign folder', async () => {
    const live = await upload(a.baseUrl, 'grids.geojson', await readFile(fixture('admin/grids.geojson')));
    const make = async (name: string, ageMs: number) => {
      const d = path.join(dir, name);
      await mkdir(d, { recursive: true });
      await writeFile(path.join(d, 'x.geojson'), '[]');
      const at = new Date(Date.now() - ageMs);
      await utimes(path.join(d, 'x.geojson'), at, at);
      await utimes(d, at, at);
      return d;
    };
    const orphanOld = await make('d'.repeat(32), 2 * 3_600_000);
    const orphanFresh = await make('e'.repeat(32), 60_000);
    const foreign = await make('not-a-stage', 48 * 3_600_000);
    const appliedId = 'f'.repeat(32);
    const appliedDir = await make(appliedId, 0);
    const now = clock.now().getTime();
    await t.db.query(
      `INSERT INTO import_stages (id, owner, name, format, bytes, file, state, created_at, expires_at, updated_at)
       VALUES ($1, 'user:0', 'x.geojson', 'geojson', 2, $1 || '/x.geojson', 'applied', to_timestamp($2::float8 / 1000), to_timestamp($3::float8 / 1000), to_timestamp($2::float8 / 1000))`,
      [appliedId, now, now + 30 * 60_000],
    );
    const c = await start();
    try {
      expect(existsSync(orphanOld)).toBe(false);
      expect(existsSync(appliedDir)).toBe(false);
      expect(existsSync(orphanFresh)).toBe(true);
      expect(existsSync(foreign)).toBe(true);
      expect(existsSync(path.join(dir, live.id, 'grids.geojson'))).toBe(true);
      expect((await call(c.baseUrl, 'GET', `/api/import/uploads/${live.id}`)).body.state).toBe('uploaded');
    } finally {
      await c.close();
      await rm(orphanFresh, { recursive: true, force: true });
      await rm(foreign, { recursive: true, force: true });
    }
    expect((await readdir(dir)).sort()).not.toContain('d'.repeat(32));
  });

  it('an expired stage read on the other instance is gone and its folder removed', async () => {
    const up = await upload(a.baseUrl, 'grids.geojson', await readFile(fixture('admin/grids.geojson')));
    clock.advance(31 * 60_000);
    const r = await call(b.baseUrl, 'POST', `/api/import/uploads/${up.id}/preview`, { target: 'grids' });
    expect(r.status).toBe(410);
    expect(r.body.error.code).toBe('IMPORT_STAGE_GONE');
    expect(r.body.error.message).toMatch(/expired/);
    expect(existsSync(path.join(dir, up.id))).toBe(false);
    expect((await call(a.baseUrl, 'GET', `/api/import/uploads/${up.id}`)).status).toBe(410);
  });
});
