// SLA arithmetic for the dispatch queue: how long until an incident is due, and how urgent that is.
// Due times come from the server (small matters: end of the next day, 小事不隔夜; big: see the plan).
import type { IncidentStatus } from '../../../../common/domain';

export type SlaLevel = 'overdue' | 'due-soon' | 'ok' | 'done';

/** Less than this left counts as due soon (amber). */
export const DUE_SOON_MS = 4 * 3600_000;

const DONE: readonly IncidentStatus[] = ['closed', 'rejected'];

export interface Sla {
  level: SlaLevel;
  /** Milliseconds until due (negative when overdue). */
  remainingMs: number;
}

export function slaOf(dueAtIso: string, status: IncidentStatus, nowMs: number): Sla {
  const remainingMs = Date.parse(dueAtIso) - nowMs;
  if (DONE.includes(status)) return { level: 'done', remainingMs };
  if (remainingMs < 0) return { level: 'overdue', remainingMs };
  if (remainingMs < DUE_SOON_MS) return { level: 'due-soon', remainingMs };
  return { level: 'ok', remainingMs };
}

/** "3天4小时" / "4h 12m" style durations, whole minutes, at most two units. */
export function formatDuration(ms: number, locale: 'zh-CN' | 'en'): string {
  const totalMin = Math.floor(Math.abs(ms) / 60_000);
  const d = Math.floor(totalMin / 1440);
  const h = Math.floor((totalMin % 1440) / 60);
  const m = totalMin % 60;
  const parts: Array<[number, string, string]> = [
    [d, '天', 'd'],
    [h, '小时', 'h'],
    [m, '分', 'm'],
  ];
  const shown = parts.filter(([v]) => v > 0).slice(0, 2);
  if (shown.length === 0) return locale === 'zh-CN' ? '不足1分' : '<1m';
  return shown.map(([v, zh, en]) => (locale === 'zh-CN' ? `${v}${zh}` : `${v}${en}`)).join(locale === 'zh-CN' ? '' : ' ');
}

/** Queue order: overdue first (most overdue on top), then by time left; finished cases last. */
export function compareUrgency(a: { dueAt: string; status: IncidentStatus }, b: { dueAt: string; status: IncidentStatus }): number {
  const doneA = DONE.includes(a.status) ? 1 : 0;
  const doneB = DONE.includes(b.status) ? 1 : 0;
  if (doneA !== doneB) return doneA - doneB;
  return Date.parse(a.dueAt) - Date.parse(b.dueAt);
}
