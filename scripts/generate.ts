// npm run generate -- [--scale 1|50|250] [--seed N] [--reset] [--incidents-per-year N] [--history-days N] [--anchor ISO|now]
// Writes the deterministic SAMPLE data set into the configured database (DATABASE_URL → PostgreSQL, else the
// embedded PGlite in PGLITE_DIR, default .data/pglite) after applying migrations, and prints the totals.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { openDb } from '../server/db/open-db';
import { migrate } from '../server/db/migrate';
import { generateSample, resetSampleData, SAMPLE_SEED, DEFAULT_HISTORY_DAYS } from '../server/sample/load-sample';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: String(SAMPLE_SEED) },
    reset: { type: 'boolean', default: false },
    'incidents-per-year': { type: 'string' },
    'history-days': { type: 'string', default: String(DEFAULT_HISTORY_DAYS) },
    anchor: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log('npm run generate -- [--scale 1|50|250] [--seed N] [--reset] [--incidents-per-year N] [--history-days N] [--anchor ISO|now]');
  process.exit(0);
}

const args = z
  .object({
    scale: z.coerce.number().int().min(1).max(998),
    seed: z.coerce.number().int().nonnegative(),
    reset: z.boolean(),
    incidentsPerYear: z.coerce.number().int().nonnegative().optional(),
    historyDays: z.coerce.number().int().min(1).max(3660),
    anchor: z.string().optional(),
  })
  .strict()
  .safeParse({
    scale: values.scale,
    seed: values.seed,
    reset: values.reset,
    incidentsPerYear: values['incidents-per-year'],
    historyDays: values['history-days'],
    anchor: values.anchor,
  });
if (!args.success) {
  for (const issue of args.error.issues) console.error(`--${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const opts = args.data;
let anchor: Date | undefined;
if (opts.anchor) {
  anchor = opts.anchor === 'now' ? new Date() : new Date(opts.anchor);
  if (Number.isNaN(anchor.getTime())) {
    console.error(`--anchor: not a date: ${opts.anchor} (use an ISO time such as 2026-11-23T09:00:00+08:00, or "now")`);
    process.exit(2);
  }
}

const banner = '*** SAMPLE DATA — synthetic, generated from PRODUCT.md §2; not real places, people or events ***';
console.log(`\n${banner}\n`);
const databaseUrl = process.env.DATABASE_URL;
const pgliteDir = process.env.PGLITE_DIR ?? '.data/pglite';
console.log(`database: ${databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${pgliteDir}`}`);
const db = await openDb({ databaseUrl, pgliteDir });
try {
  await migrate(db);
  if (opts.reset) {
    await resetSampleData(db);
    console.log('previous sample-domain rows removed (--reset)');
  } else {
    const n = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM communities')).rows[0].n;
    if (n > 0) {
      console.error(`the database already holds ${n} communities: run with --reset to replace them`);
      process.exitCode = 1;
    }
  }
  if (!process.exitCode) {
    const totals = await generateSample(db, {
      scale: opts.scale,
      seed: opts.seed,
      incidentsPerYear: opts.incidentsPerYear,
      historyDays: opts.historyDays,
      anchor,
      progress: (step, rows, seconds) => console.log(`  ${seconds.toFixed(1).padStart(7)} s  ${String(rows).padStart(9)}  ${step}`),
    });
    console.table(Object.entries(totals).map(([key, value]) => ({ key, value })));
    console.log(`\n${banner}\nloaded scale ×${totals.scale} (seed ${totals.seed}) in ${(totals.ms / 1000).toFixed(1)} s\n`);
  }
} finally {
  await db.close();
}
