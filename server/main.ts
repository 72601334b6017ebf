// Entry point: reads configuration, opens the database, listens, and initialises in the background.
// HTTP comes up even when the database does not: /readyz answers 503 until migrations have run.
import { loadConfig } from './config';
import { createLogger } from './logger';
import { systemClock } from './clock';
import { openDb } from './db/open-db';
import { migrate } from './db/migrate';
import { createApp } from './app';
import { loadSampleStreet } from './sample/load-sample';

const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL);
const db = await openDb({ databaseUrl: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR });
const app = await createApp({ db, config, logger, clock: systemClock });

await new Promise<void>((resolve) => app.server.listen(config.PORT, config.HOST, resolve));
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.PORT;
const backend = config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.PGLITE_DIR}`;
logger.info({ port, backend }, 'listening');
console.log(`\n  网格指挥中心 Grid Command Center — http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/\n  database: ${backend}\n`);

async function initialise(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const applied = await migrate(db);
      if (applied.length) logger.info({ applied }, 'migrations applied');
      // A fresh installation's sample history ends at its first start (to the hour), so "today" on the wall
      // and open cases' due times are current; the data stays deterministic for that anchor.
      const anchor = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
      if (config.SEED_SAMPLE === 'true') await loadSampleStreet(db, { onlyIfEmpty: true, logger, anchor });
      app.readiness.markInitialised();
      await app.start();
      logger.info('ready');
      return;
    } catch (err) {
      const wait = Math.min(30_000, 1000 * attempt);
      logger.warn({ err: (err as Error).message, attempt, retryInMs: wait }, 'initialisation failed; retrying');
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
void initialise();

async function shutdown(signal: string): Promise<void> {
  logger.info({ signal }, 'shutting down');
  await app.close().catch(() => undefined);
  await db.close().catch(() => undefined);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
