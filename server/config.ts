// Configuration from the environment, parsed once at the entry point (only server/main.ts calls loadConfig).
import { z } from 'zod';

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  /** PostgreSQL + PostGIS server; unset → embedded PGlite in PGLITE_DIR. */
  DATABASE_URL: z.string().url().optional(),
  PGLITE_DIR: z.string().default('.data/pglite'),
  /** Comma-separated Origins allowed for Socket.IO handshakes and CORS-less writes; the server's own origin is always allowed. */
  ALLOWED_ORIGINS: z.string().default(''),
  /** Public origin the browser uses (behind a proxy), e.g. https://gcc.example.gov.cn. */
  PUBLIC_ORIGIN: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Load the sample street into an empty database at start-up. */
  SEED_SAMPLE: z.enum(['true', 'false']).default('true'),
  /** Cookie `Secure` flag: on behind HTTPS; off on plain-HTTP localhost. */
  COOKIE_SECURE: z.enum(['true', 'false']).default('false'),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  /** Wall displays stay signed in for weeks (read-only identity). */
  WALL_SESSION_TTL_DAYS: z.coerce.number().positive().default(90),
  NODE_ID: z.string().default(''),
  /** Proof-of-work difficulty of the public report page, in leading zero bits (17 ≈ 130k hashes on average, a few seconds on a phone). */
  /** Largest photo upload accepted (MB); phones send 2–8 MB JPEGs (server/photos). */
  PHOTO_MAX_MB: z.coerce.number().positive().max(50).default(12),
  RESIDENT_POW_BITS: z.coerce.number().int().min(1).max(28).default(17),
  /**
   * Milliseconds a BUSY intake waits to gather the next group of reports (server/incidents/incident-service.ts
   * group commit): right after a group commits, the clients it answered send again within moments; waiting
   * for them gives one statement and one WAL flush instead of two. 0 = never wait. A report in a quiet moment
   * never waits.
   */
  INTAKE_GATHER_MS: z.coerce.number().min(0).max(20).default(0),
  /** Largest file the admin import page accepts (MB); streamed to a temporary file, never held in memory. */
  IMPORT_MAX_MB: z.coerce.number().positive().max(4096).default(512),
  /** Minutes an uploaded, not yet applied import stays staged before it is discarded. */
  IMPORT_STAGE_TTL_MIN: z.coerce.number().positive().max(24 * 60).default(30),
  /**
   * Folder of the admin import page's staged uploads (one folder per stage; the bookkeeping is the
   * import_stages table). Beside PGLITE_DIR by default so uploads survive a restart; every process behind
   * a load balancer needs the same folder (a shared volume) to serve any stage.
   */
  IMPORT_STAGE_DIR: z.string().min(1).default('.data/import-stages'),
  /** A facility, building or point within this many metres of a walkable edge stands on the network (server/walk/network-access.ts). */
  ACCESS_TOLERANCE_M: z.coerce.number().min(0).max(100).default(5),
  /** Farther than this from every walkable edge, a facility or building is unreachable by the network (not covered, reported). */
  ACCESS_MAX_M: z.coerce.number().positive().max(5000).default(300),
}).refine((c) => c.ACCESS_MAX_M >= c.ACCESS_TOLERANCE_M, { message: 'must be at least ACCESS_TOLERANCE_M', path: ['ACCESS_MAX_M'] });

export type Config = z.infer<typeof ConfigSchema>;

/** The access rule (server/walk/network-access.ts) this configuration asks for. */
export function accessRuleOf(config: Pick<Config, 'ACCESS_TOLERANCE_M' | 'ACCESS_MAX_M'>): { toleranceM: number; maxM: number } {
  return { toleranceM: config.ACCESS_TOLERANCE_M, maxM: config.ACCESS_MAX_M };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration error: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** A config for tests and tools: defaults plus overrides, no environment. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...ConfigSchema.parse({}), LOG_LEVEL: 'silent', SEED_SAMPLE: 'false', ...overrides };
}
