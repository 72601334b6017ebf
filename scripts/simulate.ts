// npm run simulate -- --url http://localhost:8080 --speed 60 --rate 20 --duration 600 [--hours 24]
// SIMULATION: drives the real HTTP API with a believable day (server/simulator). Signs in as a dispatcher
// (--user / --password, or SIM_USER / SIM_PASSWORD, or DEMO_PASSWORD for the demo "dispatcher" account), and
// walks open incidents through the closed loop; verification is done by a second account (--verifier-user /
// --verifier-password, or SIM_VERIFIER_USER / SIM_VERIFIER_PASSWORD, or DEMO_PASSWORD for the demo "leader").
// Only a loopback URL unless --allow-remote: a simulation aimed at a production server by mistake is refused.
import { parseArgs } from 'node:util';
import { runSimulation } from '../server/simulator/run-simulation';

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

console.log('\n  ************************************************************');
console.log('  *  SIMULATION 模拟 — generated activity, not real events   *');
console.log('  ************************************************************');
console.log(`  target ${values.url}, speed ×${speed}, ~${rate} incidents per simulated hour, ${durationS} s, seed ${seed}`);
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
