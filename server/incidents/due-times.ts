// Due times from the document's rules (PRODUCT.md §5):
//  - "小事不隔夜" small matters are closed by the end of the next day: 23:59:59 Asia/Shanghai of the day after
//    the report's local calendar day.
//  - "大事有措施" big matters need a plan within 24 h (plan_due_at = reported + 24 h); the case itself is due
//    BIG_CASE_DAYS after the report (a working assumption of ours: the document gives no figure; the leader
//    who owns the case can see and escalate from it).
// Asia/Shanghai has had no daylight saving since 1991, so a fixed +08:00 offset is exact.
import type { IncidentSeverity } from '../../common/domain';

export const SHANGHAI_OFFSET_MS = 8 * 3600_000;
export const PLAN_DUE_HOURS = 24;
export const BIG_CASE_DAYS = 7;

export interface DueTimes {
  dueAt: Date;
  planDueAt: Date | null;
}

/** End (23:59:59.000 local) of the Asia/Shanghai calendar day after the one containing `t`. */
export function endOfNextShanghaiDay(t: Date): Date {
  const local = new Date(t.getTime() + SHANGHAI_OFFSET_MS);
  const endLocal = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1, 23, 59, 59);
  return new Date(endLocal - SHANGHAI_OFFSET_MS);
}

export function dueTimes(severity: IncidentSeverity, reportedAt: Date): DueTimes {
  if (severity === 'small') return { dueAt: endOfNextShanghaiDay(reportedAt), planDueAt: null };
  return {
    dueAt: new Date(reportedAt.getTime() + BIG_CASE_DAYS * 86_400_000),
    planDueAt: new Date(reportedAt.getTime() + PLAN_DUE_HOURS * 3600_000),
  };
}

/** yyyymmdd of the Asia/Shanghai calendar day of `t` (used in incident codes). */
export function shanghaiDateStamp(t: Date): string {
  return new Date(t.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, '');
}
