// `npm run import` end to end: the CLI opens the configured database (DATABASE_URL or PGLITE_DIR), migrates,
// imports and prints the report; a bad file exits 1 with the error code and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { openPglite } from '../../server/db/pglite-driver';
import type { Db } from '../../server/db/db';
import { REPO_ROOT, fixture, rowCounts } from './helpers';

const run = promisify(execFile);

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
  try {
    const r = await run(tsx, ['scripts/import.ts', ...args], { cwd: REPO_ROOT, env, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe.each(backends())('import CLI on %s', (backend) => {
  let env: NodeJS.ProcessEnv;
  let t: TestDb | undefined;
  let dir: string | undefined;
  const open = async (): Promise<Db> => (t ? t.db : openPglite({ dataDir: path.join(dir as string, 'db') }));
  beforeAll(async () => {
    if (backend === 'pg') {
      t = await freshDb('pg', 'empty');
      env = { ...process.env, DATABASE_URL: t.url as string };
    } else {
      dir = await mkdtemp(path.join(tmpdir(), 'gcc-cli-'));
      // No DATABASE_URL: the CLI falls back to embedded PGlite in PGLITE_DIR.
      env = { ...process.env, PGLITE_DIR: path.join(dir, 'db') };
      delete env.DATABASE_URL;
    }
  });
  afterAll(async () => {
    await t?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('imports an OSM PBF and a CSV, printing the report; a bad file exits 1 with its code', async () => {
    const osm = await cli(['--source', 'osm', fixture('tiny.osm.pbf')], env);
    expect(osm.stderr).not.toMatch(/import failed/);
    expect(osm.code).toBe(0);
    expect(osm.stdout).toMatch(/buildings\s+1\b/);
    expect(osm.stdout).toMatch(/walk_edges\s+9\b/);
    const csv = await cli(['--layer', 'facilities', fixture('facilities.csv')], env);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toMatch(/facilities\s+3\b/);
    const bad = await cli(['--layer', 'facilities', fixture('facilities-missing-columns.csv')], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/VALIDATION_ERROR \(columns\): CSV is missing column\(s\)/);
    const usage = await cli(['--layer', 'nope', fixture('facilities.csv')], env);
    expect(usage.code).toBe(2);
    const db = await open();
    try {
      const counts = await rowCounts(db);
      expect(counts.facilities).toBe(6); // 3 from OSM + 3 from the CSV; the bad CSV added none
      expect(counts.buildings).toBe(1);
    } finally {
      if (!t) await db.close();
    }
  }, 300_000); // four child processes, each booting PGlite (WASM) and migrating on a shared 2-core machine
});
