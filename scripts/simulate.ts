// npm run simulate -- --url http://localhost:8080 --speed 60 --rate 20 --duration 600
// SIMULATION: drives the real HTTP API with a believable day (server/simulator). Signs in as a dispatcher
// (--user / --password, or SIM_USER / SIM_PASSWORD, or DEMO_PASSWORD for the demo "dispatcher" account).
import { parseArgs } from 'node:util';
import { runSimulation } from '../server/simulator/run-simulation';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:8080' },
    speed: { type: 'string', default: '60' },
    rate: { type: 'string', default: '20' },
    duration: { type: 'string', default: '600' },
    start: { type: 'string' },
    seed: { type: 'string', default: '20161231' },
    user: { type: 'string', default: process.env.SIM_USER ?? 'dispatcher' },
    password: { type: 'string', default: process.env.SIM_PASSWORD ?? process.env.DEMO_PASSWORD ?? '' },
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
console.log(`  target ${values.url}, speed ×${speed}, ~${rate} incidents per simulated hour, ${durationS} s, seed ${seed}\n`);

const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
const summary = await runSimulation({
  url: values.url as string,
  username: values.user as string,
  password: values.password,
  speed,
  rate,
  durationS,
  start,
  seed,
  log: (l) => console.log(l),
  signal: controller.signal,
});
console.log('\n  SIMULATION finished:', JSON.stringify(summary));
