// The benchmark row is computed from its figures, and every row carries the machine load it was taken under
// (issue 15 item 6: on a shared 2-core machine a latency without its load average is not comparable).
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { row } from '../../bench/bench-kit';

describe('bench row', () => {
  it('computes the ratio and met from the figures and records the load average', () => {
    const r = row({ scale: 'street', metric: 'p99_ms', value: 30, baseline: 'bare', baselineValue: 20, target: '≤ 1.5×', met: (_v, ratio) => ratio <= 1.5 });
    expect(r.ratio).toBe(1.5);
    expect(r.met).toBe(true);
    expect(r.loadAverage).toHaveLength(3);
    for (const v of r.loadAverage) expect(Number.isFinite(v) && v >= 0).toBe(true);
    // Taken at the moment the row is made, not typed in.
    expect(Math.abs(r.loadAverage[0] - os.loadavg()[0])).toBeLessThan(2);
  });

  it('marks a missed target', () => {
    const r = row({ scale: 'city', metric: 'p99_ms', value: 40, baseline: 'bare', baselineValue: 20, target: '≤ 1.5×', met: (_v, ratio) => ratio <= 1.5 });
    expect(r.ratio).toBe(2);
    expect(r.met).toBe(false);
  });
});
