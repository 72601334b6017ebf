// The wall's reconnect loop (client/src/live/reconnect-loop.ts) on a manual clock: while the server is down it
// only probes over HTTP (no WebSocket attempt that Chromium would count as a failure and throttle), it
// attempts the socket within one probe interval of the server answering, backs off when the server answers
// but refuses the socket, and still tries blindly now and then.
import { describe, expect, it } from 'vitest';
import { ReconnectLoop, type ReconnectOptions } from '../../client/src/live/reconnect-loop';

const OPTS: ReconnectOptions = { probeMs: 250, jitter: 0, probeTimeoutMs: 2000, refusedBackoffMs: 500, refusedBackoffMaxMs: 4000, blindAttemptMs: 15_000 };

/** A manual clock with timers, a server that is up or down, and a log of the loop's probes and attempts. */
function harness(options: Partial<ReconnectOptions> = {}) {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const h = {
    serverUp: false,
    /** When set, every attempt is refused this many ms after it starts (the server answers, the socket is refused). */
    refuseAfterMs: null as number | null,
    probes: [] as number[],
    attempts: [] as number[],
    loop: null as unknown as ReconnectLoop,
    now: () => now,
    /** Runs every timer due up to `ms` from now, in time order, letting the probe's promise settle in between. */
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const next = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
      now = end;
    },
  };
  h.loop = new ReconnectLoop(
    {
      probe: async () => {
        h.probes.push(now);
        return h.serverUp;
      },
      connect: () => {
        h.attempts.push(now);
        if (h.refuseAfterMs != null) timers.set(++seq, { at: now + h.refuseAfterMs, fn: () => h.loop.attemptFailed() });
      },
      now: () => now,
      random: () => 0.5,
      setTimer: (fn, ms) => {
        const id = ++seq;
        timers.set(id, { at: now + ms, fn });
        return id;
      },
      clearTimer: (id) => timers.delete(id as number),
    },
    { ...OPTS, ...options },
  );
  return h;
}

describe('reconnect loop', () => {
  it('only probes while the server is down, then attempts the socket within one probe interval of its return', async () => {
    const h = harness();
    h.loop.lost();
    await h.advance(10_000);
    expect(h.attempts).toEqual([]);
    expect(h.probes.length).toBeGreaterThanOrEqual(39);
    const back = h.now() + 100;
    await h.advance(100);
    h.serverUp = true;
    await h.advance(1000);
    expect(h.attempts).toHaveLength(1);
    expect(h.attempts[0] - back).toBeLessThanOrEqual(250);
  });

  it('makes one attempt at a time and stops probing once connected', async () => {
    const h = harness();
    h.serverUp = true;
    h.loop.lost();
    await h.advance(5000);
    expect(h.attempts).toEqual([0]); // the attempt is in flight: no second one, no further probes
    expect(h.probes).toEqual([0]);
    h.loop.connected();
    await h.advance(5000);
    expect(h.probes).toEqual([0]);
  });

  it('backs off, doubling up to the cap, when the server answers but refuses the socket', async () => {
    const h = harness();
    h.serverUp = true;
    h.refuseAfterMs = 10;
    h.loop.lost();
    await h.advance(20_000);
    const gaps = h.attempts.slice(1, 6).map((t, i) => t - h.attempts[i]);
    // each gap: the refusal 10 ms after the attempt, then the backoff (500, 1000, 2000, 4000, 4000 ms: the cap),
    // ended by the next probe at most one probe interval later
    const backoffs = [500, 1000, 2000, 4000, 4000];
    gaps.forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual(10 + backoffs[i]);
      expect(g).toBeLessThanOrEqual(10 + backoffs[i] + 250);
    });
    h.refuseAfterMs = null;
    h.loop.connected();
    h.loop.lost();
    await h.advance(0);
    expect(h.attempts.at(-1)).toBe(h.now()); // connected() forgot the refusals
  });

  it('attempts blindly every blindAttemptMs when the probe never answers, without backing off for those', async () => {
    const h = harness();
    h.loop.lost();
    await h.advance(15_100);
    expect(h.attempts).toHaveLength(1);
    expect(h.attempts[0]).toBeGreaterThanOrEqual(15_000);
    h.loop.attemptFailed(); // the server is still down: not a refusal
    h.serverUp = true;
    const back = h.now();
    await h.advance(300);
    expect(h.attempts).toHaveLength(2);
    expect(h.attempts[1] - back).toBeLessThanOrEqual(250);
  });

  it('does nothing after stop()', async () => {
    const h = harness();
    h.loop.lost();
    await h.advance(1000);
    const probes = h.probes.length;
    h.loop.stop();
    h.serverUp = true;
    await h.advance(20_000);
    expect(h.probes.length).toBe(probes);
    expect(h.attempts).toEqual([]);
  });
});
