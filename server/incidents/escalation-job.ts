// 督办: a background job escalates overdue open cases (PRODUCT.md §5). Rules:
//  - a case past its due_at is at level 1, and one level more for each further full day overdue, up to
//    MAX_AUTO_LEVEL (level 1 = the community, 2 = the street office, 3 = the street leadership);
//  - a big matter without a plan after plan_due_at is at least at level 1 (大事有措施).
// The job only raises a case to the level it should be at, so running it twice does nothing the second
// time (idempotent per level). Each raise is one transaction with an event and an audit row by
// 'system:escalation'. Time comes from the injected Clock so tests can move it.
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import { OPEN_STATUSES } from '../../common/domain';
import type { CommandContext, IncidentService } from './incident-service';

export const MAX_AUTO_LEVEL = 3;
export const ESCALATION_ACTOR = 'system:escalation';
const DAY_MS = 86_400_000;

export interface EscalationJobOptions {
  db: Db;
  clock: Clock;
  service: IncidentService;
  logger: Logger;
  /** How often the job runs (ms). */
  intervalMs?: number;
  /** At most this many cases per run (the rest are taken on the next run). */
  batchSize?: number;
}

interface Candidate {
  id: number;
  version: number;
  escalation_level: number;
  due_at: Date | string;
  overdue_plan: boolean;
}

/** The level a case should be at now, or 0 when it is not overdue. */
export function targetLevel(now: Date, dueAt: Date, overduePlan: boolean): number {
  const late = now.getTime() - dueAt.getTime();
  const byDue = late > 0 ? Math.min(MAX_AUTO_LEVEL, 1 + Math.floor(late / DAY_MS)) : 0;
  return Math.max(byDue, overduePlan ? 1 : 0);
}

export interface EscalationJob {
  /** One pass; returns how many cases were escalated. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createEscalationJob(opts: EscalationJobOptions): EscalationJob {
  const { db, clock, service, logger } = opts;
  const intervalMs = opts.intervalMs ?? 60_000;
  const batchSize = opts.batchSize ?? 500;
  const ctx: CommandContext = { actor: ESCALATION_ACTOR, role: null, personId: null, source: 'api' };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function pass(): Promise<number> {
    const now = clock.now();
    const res = await db.query<Candidate>(
      `SELECT i.id, i.version, i.escalation_level, i.due_at,
              (i.severity = 'big' AND i.plan IS NULL AND i.plan_due_at < $1) AS overdue_plan
         FROM incidents i
        WHERE i.status = ANY($2::text[]) AND i.escalation_level < $3
          AND (i.due_at < $1 OR (i.severity = 'big' AND i.plan IS NULL AND i.plan_due_at < $1))
        ORDER BY i.due_at
        LIMIT $4`,
      [now.toISOString(), OPEN_STATUSES, MAX_AUTO_LEVEL, batchSize],
    );
    let raised = 0;
    for (const c of res.rows) {
      const level = targetLevel(now, new Date(c.due_at), c.overdue_plan);
      if (level <= c.escalation_level) continue;
      const reason = c.overdue_plan && now.getTime() <= new Date(c.due_at).getTime()
        ? 'big matter without a plan after 24 h (大事有措施)'
        : `overdue since ${new Date(c.due_at).toISOString()}`;
      const done = await service.escalateToLevel(ctx, c.id, level, c.version, reason);
      if (done) raised++;
    }
    return raised;
  }

  async function runOnce(): Promise<number> {
    // Never two passes at once in one process; another process racing us loses on the version check.
    if (running) return running;
    running = pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        runOnce().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'escalation pass failed; retrying next interval'));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
