// Readiness: the process is up (liveness) vs. the database is reachable and migrated (readiness).
// Start-up never blocks on the database: the HTTP server answers 503 NOT_READY until it is ready, and
// the start-up loop keeps retrying (QUALITY.md fault 9).
import type { Db } from './db/db';

export interface Readiness {
  /** Migrations applied and sample data (if wanted) loaded. */
  readonly initialised: boolean;
  markInitialised(): void;
  /** Initialised and the database answers a ping now. */
  check(): Promise<{ ready: boolean; db: 'ok' | 'unreachable'; initialised: boolean }>;
}

export function createReadiness(db: Db): Readiness {
  let initialised = false;
  return {
    get initialised() {
      return initialised;
    },
    markInitialised() {
      initialised = true;
    },
    async check() {
      const ok = await db.ping(2000);
      return { ready: ok && initialised, db: ok ? 'ok' : 'unreachable', initialised };
    },
  };
}
