// npm run simulate -- --url http://localhost:8080 --speed 60 --rate 20 --duration 600 [--hours 24]
// SIMULATION: drives the real HTTP API with a believable day (server/simulator). Signs in as a dispatcher
// (--user / --password, or SIM_USER / SIM_PASSWORD, or DEMO_PASSWORD for the demo "dispatcher" account), and
// walks open incidents through the closed loop; verification is done by a second account (--verifier-user /
// --verifier-password, or SIM_VERIFIER_USER / SIM_VERIFIER_PASSWORD, or DEMO_PASSWORD for the demo "leader").
// Only a loopback URL unless --allow-remote: a simulation aimed at a production server by mistake is refused.
// Field side (simulated grid workers on the phone API, /api/field): --field-workers N (default 12) creates or
// resets N accounts sim_w<personId> for grids' own workers directly in the server's database — so it needs that
// database's DATABASE_URL, like `npm run import` — or --workers-file accounts.json ([{"username","password"}])
// signs in worker accounts that already exist. --field-workers 0 turns the field side off.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { runSimulation } from '../server/simulator/run-simulation';
import type { FieldAccount } from '../server/simulator/field-crew';
import { provisionSimWorkers } from '../server/simulator/provision-workers';
import { openDb } from '../server/db/open-db';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:8080' },
    speed: { type: 'string', default: '60' },
    rate: { type: 'string', default: '20' },
    duration: { type: 'string', default: '600' },
    hours: { type: 'string' },
    start: { type: 'string' },
    seed: { type: 'string', default: '20161231' },
    user: { type: 'string', default: process.env.SIM_USER ?? 'dispatcher' },
    password: { type: 'string', default: process.env.SIM_PASSWORD ?? process.env.DEMO_PASSWORD ?? '' },
    'verifier-user': { type: 'string', default: process.env.SIM_VERIFIER_USER ?? 'leader' },
    'verifier-password': { type: 'string', default: process.env.SIM_VERIFIER_PASSWORD ?? process.env.DEMO_PASSWORD ?? '' },
    concurrency: { type: 'string', default: '4' },
    'resident-share': { type: 'string', default: '0.15' },
    'field-workers': { type: 'string', default: '12' },
    'workers-file': { type: 'string' },
    'patrol-rate': { type: 'string', default: '0.5' },
    'no-loop': { type: 'boolean', default: false },
    'no-backlog': { type: 'boolean', default: false },
    'allow-remote': { type: 'boolean', default: false },
  },
});

function num(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`--${name} must be a number between ${min} and ${max} (got ${v})`);
    process.exit(2);
  }
  return n;
}

const speed = num('speed', values.speed, 1, 3600);
const rate = num('rate', values.rate, 0, 10_000);
const durationS = num('duration', values.duration, 1, 7 * 86_400);
const seed = num('seed', values.seed, 0, 2 ** 32 - 1);
const simulatedHours = values.hours === undefined ? undefined : num('hours', values.hours, 0.1, 24 * 366);
const concurrency = num('concurrency', values.concurrency, 1, 16);
const residentShare = num('resident-share', values['resident-share'], 0, 1);
const fieldWorkers = num('field-workers', values['field-workers'], 0, 2000);
const patrolPerHour = num('patrol-rate', values['patrol-rate'], 0, 60);
let target: URL;
try {
  target = new URL(values.url as string);
} catch {
  console.error(`--url must be an http(s) URL (got ${values.url})`);
  process.exit(2);
}
const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(target.hostname) || target.hostname.startsWith('127.');
if (!loopback && !values['allow-remote']) {
  console.error(`--url ${target.origin} is not a loopback address; add --allow-remote if you really mean to simulate load there`);
  process.exit(2);
}
const start = values.start ? new Date(values.start) : new Date();
if (Number.isNaN(start.getTime())) {
  console.error(`--start must be an ISO date-time (got ${values.start})`);
  process.exit(2);
}
if (!values.password) {
  console.error('a password is needed: --password, SIM_PASSWORD, or DEMO_PASSWORD for the demo dispatcher account');
  process.exit(2);
}

const AccountsFile = z.array(z.object({ username: z.string().min(1), password: z.string().min(1) }).strict());
let fieldAccounts: FieldAccount[] = [];
let fieldNote = 'off (--field-workers 0)';
if (values['workers-file']) {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(values['workers-file'], 'utf8'));
  } catch (err) {
    console.error(`--workers-file: cannot read JSON from ${values['workers-file']}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  const parsed = AccountsFile.safeParse(raw);
  if (!parsed.success) {
    console.error(`--workers-file must hold [{"username": "…", "password": "…"}, …]: ${parsed.error.issues[0]?.message}`);
    process.exit(2);
  }
  fieldAccounts = parsed.data;
  fieldNote = `${fieldAccounts.length} worker accounts from ${values['workers-file']}`;
} else if (fieldWorkers > 0) {
  if (!process.env.DATABASE_URL) {
    fieldNote = 'off: simulated worker accounts are created in the server\'s database, so give its DATABASE_URL (or --workers-file)';
  } else {
    const db = await openDb({ databaseUrl: process.env.DATABASE_URL, pgliteDir: '' });
    try {
      fieldAccounts = await provisionSimWorkers(db, { count: fieldWorkers });
    } finally {
      await db.close();
    }
    fieldNote = `${fieldAccounts.length} simulated worker accounts (sim_w<personId>, fresh passwords) in DATABASE_URL`;
  }
}

console.log('\n  ************************************************************');
console.log('  *  SIMULATION 模拟 — generated activity, not real events   *');
console.log('  ************************************************************');
console.log(`  target ${values.url}, speed ×${speed}, ~${rate} incidents per simulated hour, ${durationS} s, seed ${seed}`);
console.log(`  residents: ${Math.round(residentShare * 100)}% of reports through the public /report API (proof of work solved here)`);
console.log(`  field: ${fieldNote}${fieldAccounts.length ? `, ${patrolPerHour} patrol reports per worker per simulated hour` : ''}`);
console.log(`  closed loop: ${values['no-loop'] ? 'off' : `on (verifier "${values['verifier-user']}", ${concurrency} commands at once${values['no-backlog'] ? ', new reports only' : ''})`}\n`);

const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
const run = runSimulation({
  url: values.url as string,
  username: values.user as string,
  password: values.password,
  speed,
  rate,
  durationS,
  simulatedHours,
  start,
  seed,
  verifierUsername: values['verifier-user'],
  verifierPassword: values['verifier-password'] || undefined,
  closedLoop: !values['no-loop'],
  backlog: !values['no-backlog'],
  concurrency,
  residentShare,
  fieldAccounts,
  patrolPerHour,
  log: (l) => console.log(l),
  signal: controller.signal,
});
try {
  const summary = await run;
  console.log('\n  SIMULATION finished:', JSON.stringify(summary));
} catch (err) {
  // e.g. the server is not running (fetch failed) or the sign-in was refused: one line, not a stack
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  console.error(`\n  SIMULATION stopped: ${err instanceof Error ? err.message : String(err)}${cause} — is the server running at ${values.url}?`);
  process.exit(1);
}
