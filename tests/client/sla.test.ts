import { describe, it, expect } from 'vitest';
import { slaOf, formatDuration, compareUrgency, DUE_SOON_MS } from '../../client/src/pages/dispatch/sla';

const NOW = Date.parse('2026-11-26T08:00:00+08:00');

describe('dispatch SLA', () => {
  it('is overdue once the due time has passed', () => {
    expect(slaOf('2026-11-26T07:59:00+08:00', 'assigned', NOW)).toEqual({ level: 'overdue', remainingMs: -60_000 });
  });
  it('is due soon inside the warning window and ok before it', () => {
    expect(slaOf(new Date(NOW + DUE_SOON_MS - 1).toISOString(), 'accepted', NOW).level).toBe('due-soon');
    expect(slaOf(new Date(NOW + DUE_SOON_MS + 1).toISOString(), 'accepted', NOW).level).toBe('ok');
  });
  it('does not count closed or rejected cases as overdue', () => {
    expect(slaOf('2026-11-20T00:00:00+08:00', 'closed', NOW).level).toBe('done');
    expect(slaOf('2026-11-20T00:00:00+08:00', 'rejected', NOW).level).toBe('done');
  });
  it('formats durations with at most two units in both languages', () => {
    const ms = (2 * 1440 + 3 * 60 + 7) * 60_000;
    expect(formatDuration(ms, 'zh-CN')).toBe('2天3小时');
    expect(formatDuration(-ms, 'en')).toBe('2d 3h');
    expect(formatDuration(65 * 60_000, 'en')).toBe('1h 5m');
    expect(formatDuration(30_000, 'zh-CN')).toBe('不足1分');
  });
  it('orders the queue most urgent first and finished cases last', () => {
    const items = [
      { id: 1, dueAt: '2026-11-27T00:00:00Z', status: 'assigned' as const },
      { id: 2, dueAt: '2026-11-20T00:00:00Z', status: 'closed' as const },
      { id: 3, dueAt: '2026-11-25T00:00:00Z', status: 'reported' as const },
    ];
    expect([...items].sort(compareUrgency).map((i) => i.id)).toEqual([3, 1, 2]);
  });
});
