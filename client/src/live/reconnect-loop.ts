// How a wall (and a desk) gets its socket back after the server went away: probe the server over plain HTTP
// while the socket is down, and open the socket only once the server answers.
//
// Why not Socket.IO's own reconnection with a short delay: Chromium throttles WebSocket connections of a
// renderer that has had many failed ones (services/network's WebSocket throttler: after some 16 failures
// per success, every new WebSocket waits a random 1–5 s before it even connects). A wall retrying a dead
// server once a second for minutes is exactly that renderer, so when the server came back its next
// WebSocket sat in the throttle for seconds (bench/wall/resync.ts traced it: the last attempt began before the
// listener was up and its handshake ended 3.2 s after). HTTP requests are not throttled that way, and a
// GET /healthz (no database, no session) costs the server less than a WebSocket handshake with its session
// check; so failing attempts never reach the WebSocket layer and the one that matters starts at once.
//
// Rules: while down, probe every `probeMs` (± jitter, so the displays of a hall spread out); when the probe
// answers, attempt the socket. If the server answers the probe but refuses the socket (session expired, the
// database still starting), back off before the next such attempt (doubling up to `refusedBackoffMaxMs`).
// In case something routes /socket.io but not /healthz (a proxy), attempt blindly every `blindAttemptMs`.

export interface ReconnectOptions {
  /** Probe interval while the socket is down (ms). */
  probeMs: number;
  /** ± fraction applied to every wait. */
  jitter: number;
  /** A probe that has not answered by then counts as "down" (ms). */
  probeTimeoutMs: number;
  /** First wait after the server answered the probe but refused the socket (ms); doubles per refusal. */
  refusedBackoffMs: number;
  refusedBackoffMaxMs: number;
  /** An attempt without a probe answer at least this often (ms). */
  blindAttemptMs: number;
}

export const RECONNECT_DEFAULTS: ReconnectOptions = {
  probeMs: 250,
  jitter: 0.2,
  probeTimeoutMs: 2000,
  refusedBackoffMs: 500,
  refusedBackoffMaxMs: 30_000,
  blindAttemptMs: 15_000,
};

export interface ReconnectDeps {
  /** Resolves true when the server answered (any HTTP status it sends itself), false when unreachable. */
  probe(signal: AbortSignal): Promise<boolean>;
  /** Starts one socket connection attempt; its outcome comes back as connected() or attemptFailed(). */
  connect(): void;
  now(): number;
  random(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  trace?(step: 'probe_ok' | 'reconnect_attempt', n?: number): void;
}

export class ReconnectLoop {
  private readonly o: ReconnectOptions;
  private running = false;
  private timer: unknown = null;
  private attempting = false;
  /** The attempt in flight was made because the probe answered (its failure is a refusal, not an outage). */
  private attemptAfterProbe = false;
  private attempts = 0;
  private refusals = 0;
  private notBefore = 0;
  private lastAttemptAt = 0;
  private probeAbort: AbortController | null = null;

  constructor(
    private readonly deps: ReconnectDeps,
    options: Partial<ReconnectOptions> = {},
  ) {
    this.o = { ...RECONNECT_DEFAULTS, ...options };
  }

  /** The socket is down (lost, or a first connection failed): probe until it is back. */
  lost(): void {
    if (this.running) return;
    this.running = true;
    this.lastAttemptAt = this.deps.now();
    this.schedule(0);
  }

  /** The attempt in flight failed. */
  attemptFailed(): void {
    if (!this.attempting) return;
    this.attempting = false;
    if (this.attemptAfterProbe) {
      this.refusals++;
      const backoff = Math.min(this.o.refusedBackoffMaxMs, this.o.refusedBackoffMs * 2 ** (this.refusals - 1));
      this.notBefore = this.deps.now() + this.jittered(backoff);
    }
    if (this.running) this.schedule(this.jittered(this.o.probeMs));
    else this.lost();
  }

  /** The socket is connected: stop probing, forget the refusals. */
  connected(): void {
    this.attempting = false;
    this.attempts = 0;
    this.refusals = 0;
    this.notBefore = 0;
    this.halt();
  }

  stop(): void {
    this.attempting = false;
    this.halt();
  }

  private halt(): void {
    this.running = false;
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = null;
    this.probeAbort?.abort();
    this.probeAbort = null;
  }

  private jittered(ms: number): number {
    return ms * (1 - this.o.jitter + 2 * this.o.jitter * this.deps.random());
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = this.deps.setTimer(() => {
      this.timer = null;
      void this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    // one attempt at a time: it ends in connected() or attemptFailed() (Socket.IO times an attempt out itself)
    if (this.attempting) return;
    const abort = new AbortController();
    this.probeAbort = abort;
    const timeout = this.deps.setTimer(() => abort.abort(), this.o.probeTimeoutMs);
    let answered: boolean;
    try {
      answered = await this.deps.probe(abort.signal);
    } catch {
      answered = false;
    } finally {
      this.deps.clearTimer(timeout);
      if (this.probeAbort === abort) this.probeAbort = null;
    }
    if (!this.running || this.attempting) return;
    const now = this.deps.now();
    if (answered) this.deps.trace?.('probe_ok');
    if ((answered && now >= this.notBefore) || now - this.lastAttemptAt >= this.o.blindAttemptMs) {
      this.attempting = true;
      this.attemptAfterProbe = answered;
      this.lastAttemptAt = now;
      this.attempts++;
      this.deps.trace?.('reconnect_attempt', this.attempts);
      this.deps.connect();
      return;
    }
    this.schedule(this.jittered(this.o.probeMs));
  }
}

/** The probe of the page's own server: GET /healthz (process state only: no database, no session). */
export async function probeHealthz(signal: AbortSignal): Promise<boolean> {
  try {
    const res = await fetch('/healthz', { cache: 'no-store', credentials: 'omit', signal });
    // any answer from our server means it is listening; a proxy's 502/504 means it is not
    return res.status < 500;
  } catch {
    return false;
  }
}
