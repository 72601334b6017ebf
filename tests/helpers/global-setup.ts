// Builds the template databases once per test run: "empty" (migrated) and "sample" (migrated + the
// deterministic sample street), as PGlite data-dir tarballs and, when DATABASE_URL is set, as template
// databases on the server. Rebuilt when a migration or the generator changes (content hash).
import { mkdir, readFile, writeFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { openPglite } from '../../server/db/pglite-driver';
import { openPg } from '../../server/db/pg-driver';
import { migrate, listMigrations } from '../../server/db/migrate';
import type { Db } from '../../server/db/db';
import { loadSampleStreet, sampleFingerprint } from '../../server/sample/load-sample';
import { TEMPLATE_DIR, TEMPLATE_PATHS, PG_TEMPLATE_DB, adminUrl, databaseUrlFor } from './templates';

async function schemaFingerprint(): Promise<string> {
  const h = createHash('sha256');
  for (const m of await listMigrations()) h.update(m.file).update(await readFile(m.file));
  h.update(await sampleFingerprint());
  return h.digest('hex').slice(0, 16);
}

async function fill(db: Db, kind: 'empty' | 'sample'): Promise<void> {
  await migrate(db);
  if (kind === 'sample') await loadSampleStreet(db);
}

async function buildPgliteTemplates(fingerprint: string): Promise<void> {
  await mkdir(TEMPLATE_DIR, { recursive: true });
  const stampFile = path.join(TEMPLATE_DIR, 'fingerprint');
  const stamp = await readFile(stampFile, 'utf8').catch(() => '');
  const exists = await Promise.all(Object.values(TEMPLATE_PATHS).map((p) => stat(p).then(() => true, () => false)));
  if (stamp === fingerprint && exists.every(Boolean)) return;
  for (const kind of ['empty', 'sample'] as const) {
    const db = await openPglite({});
    await fill(db, kind);
    const blob = await db.dump();
    await writeFile(TEMPLATE_PATHS[kind], Buffer.from(await blob.arrayBuffer()));
    await db.close();
  }
  await writeFile(stampFile, fingerprint);
}

async function buildPgTemplates(base: string, fingerprint: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl(base) });
  await admin.connect();
  try {
    for (const kind of ['empty', 'sample'] as const) {
      const name = PG_TEMPLATE_DB[kind];
      const current = await admin.query(
        `SELECT shobj_description(oid, 'pg_database') AS stamp FROM pg_database WHERE datname = $1`,
        [name],
      );
      if (current.rows[0]?.stamp === fingerprint) continue;
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      const db = await openPg({ connectionString: databaseUrlFor(base, name) });
      try {
        await fill(db, kind);
      } finally {
        await db.close();
      }
      await admin.query(`COMMENT ON DATABASE ${name} IS '${fingerprint}'`);
    }
  } finally {
    await admin.end();
  }
}

export default async function globalSetup(): Promise<void> {
  const fingerprint = await schemaFingerprint();
  await buildPgliteTemplates(fingerprint);
  if (process.env.DATABASE_URL) await buildPgTemplates(process.env.DATABASE_URL, fingerprint);
}
