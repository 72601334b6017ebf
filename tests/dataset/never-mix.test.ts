// Never mix sample and real data (issue 16), on every backend: the sample loads only into a database empty
// of every layer; any import (even one without communities) keeps it out; `npm start` (the real server
// entry, SEED_SAMPLE=true) on a database holding real data adds no sample row; the provenance record says
// which data a database holds, and it is what the badge on every screen shows.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { openDb } from '../../server/db/open-db';
import { migrate } from '../../server/db/migrate';
import type { Db } from '../../server/db/db';
import { importFile } from '../../server/import/import-file';
import { importOsmPbf } from '../../server/import/osm/import-osm';
import { datasetStatus, holdsAnyData } from '../../server/dataset/dataset-status';
import { STREET_SCOPE } from '../../server/auth/scope';
import { generateSample } from '../../server/sample/load-sample';
import { fixture } from '../import/helpers';
import { freePort, startServerProcess } from '../realtime/server-process';

const count = async (db: Db, sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0].n);
const sampleRows = (db: Db) => count(db, `SELECT (SELECT count(*) FROM buildings WHERE source = 'sample') + (SELECT count(*) FROM streets WHERE is_sample) AS n`);

describe.each(backends())('never mix sample and real data on %s', (backend) => {
  const open: TestDb[] = [];
  const fresh = async () => { const t = await freshDb(backend, 'empty'); open.push(t); return t; };
  afterAll(async () => { for (const t of open) await t.drop(); });

  it('an empty database gets the sample, and says it holds sample data', async () => {
    const t = await fresh();
    expect(await holdsAnyData(t.db)).toBe(false);
    expect((await generateSample(t.db, { scale: 1, onlyIfEmpty: true })).loaded).toBe(true);
    const s = await datasetStatus(t.db, STREET_SCOPE);
    expect(s.kind).toBe('sample');
    expect(s.layers.every((l) => l.origin === 'sample')).toBe(true);
    expect(s.streets[0].isSample).toBe(true);
  });

  it('a database holding only imported facilities (no communities) does not get the sample', async () => {
    const t = await fresh();
    await importFile(t.db, { file: fixture('facilities.csv'), layer: 'facilities' });
    expect((await generateSample(t.db, { scale: 1, onlyIfEmpty: true })).loaded).toBe(false);
    expect(await sampleRows(t.db)).toBe(0);
    const s = await datasetStatus(t.db, STREET_SCOPE);
    expect(s.kind).toBe('real');
    expect(s.layers).toEqual([expect.objectContaining({ layer: 'facilities', origin: 'import', source: 'facilities.csv', rows: 3 })]);
  });

  it('a database holding both says "mixed" (the red badge), never "sample"', async () => {
    const t = await fresh();
    await generateSample(t.db, { scale: 1 });
    await importFile(t.db, { file: fixture('facilities.csv'), layer: 'facilities' });
    expect((await datasetStatus(t.db, STREET_SCOPE)).kind).toBe('mixed');
  });

  it('npm start (server/main.ts, SEED_SAMPLE=true) on a database with an OSM import adds no sample row', async () => {
    let dir: string | undefined;
    let db: Db;
    let env: Record<string, string | undefined>;
    if (backend === 'pg') {
      const t = await fresh();
      db = t.db;
      env = { DATABASE_URL: t.url };
    } else {
      dir = await mkdtemp(path.join(tmpdir(), 'gcc-nevermix-'));
      db = await openDb({ pgliteDir: dir });
      await migrate(db);
      env = { DATABASE_URL: undefined, PGLITE_DIR: dir };
    }
    await importOsmPbf(db, fixture('tiny.osm.pbf'));
    const before = await count(db, 'SELECT count(*) AS n FROM buildings');
    if (dir) await db.close(); // PGlite is single-process: the server opens the folder itself
    const server = await startServerProcess({ ...env, SEED_SAMPLE: 'true', DEMO_PASSWORD: 'never-mix-1' }, await freePort());
    try {
      // Ready means initialisation (migrations, the sample decision) has finished.
      expect(server.output()).not.toMatch(/SAMPLE data loaded/);
    } finally {
      await server.stop();
    }
    if (dir) db = await openDb({ pgliteDir: dir });
    try {
      expect(await sampleRows(db)).toBe(0);
      expect(await count(db, 'SELECT count(*) AS n FROM buildings')).toBe(before);
      expect(await count(db, 'SELECT count(*) AS n FROM communities')).toBe(0);
      expect((await datasetStatus(db, STREET_SCOPE)).kind).toBe('real');
    } finally {
      if (dir) { await db.close(); await rm(dir, { recursive: true, force: true }); }
    }
  }, 180_000);
});
