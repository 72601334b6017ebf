// The live store over H3a's Socket.IO contract (common/realtime.ts): snapshot over HTTP, then events pushed
// with ids; after every (re)connect `events:sync { afterId }` fills the gap, or says "resync" and the
// snapshot is fetched again. Incoming work is queued and applied at most every FLUSH_INTERVAL_MS, so a
// burst of 1,000 events/s causes ≤ 4 renders a second, not 1,000.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Kpis, LiveEvent, LiveSnapshot, ServerToClientEvents, WorkerPosition } from '../../../common/realtime';
import { api } from '../api/http';
import { ReconnectLoop, probeHealthz, type ReconnectOptions } from './reconnect-loop';
import { applyKpis, applyPositions, EMPTY_LIVE_STATE, fromSnapshot, reconcileAll, type LiveState } from './reconcile';

export const FLUSH_INTERVAL_MS = 250;
/** Longest a held socket waits for openSocket() (a wall whose map never loads is still live). */
export const SOCKET_HOLD_MAX_MS = 15_000;

export interface LiveView {
  state: LiveState;
  /** False until the first snapshot has loaded. */
  loaded: boolean;
  connected: boolean;
  /** Client time (ms) the connection was lost, or null while connected. */
  disconnectedAt: number | null;
  /** Client time (ms) each incident first appeared after the initial load: drives the pulse. */
  arrivals: ReadonlyMap<number, number>;
  error: string | null;
}

type Listener = () => void;

/** Steps of a (re)connection and catch-up, in the order they normally come (see `LiveStore.trace`). */
export type LiveTraceStep =
  | 'disconnect'
  | 'reconnect_attempt'
  | 'reconnect_error'
  | 'probe_ok'
  | 'engine_open'
  | 'connect'
  | 'sync_sent'
  | 'sync_ack'
  | 'snapshot'
  | 'kpis'
  | 'apply';

export interface LiveTraceEntry {
  /** Client time (epoch ms, the store's clock). */
  at: number;
  step: LiveTraceStep;
  /** Step-specific count: the attempt number, the events in a sync answer or applied by a flush. */
  n?: number;
}

/** Entries kept: enough for a few reconnections' worth of steps; a wall runs for weeks, so the trace is a ring. */
const TRACE_MAX = 64;

export class LiveStore {
  private view: LiveView = { state: EMPTY_LIVE_STATE, loaded: false, connected: false, disconnectedAt: null, arrivals: new Map(), error: null };
  private listeners = new Set<Listener>();
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private queue: LiveEvent[] = [];
  private pendingPositions: WorkerPosition[] = [];
  private pendingKpis: Kpis | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private syncing = false;
  /** While a sync is in flight, pushed events wait: applying a newer push first would make the sync's older events look like duplicates. */
  private holding = false;

  /**
   * What the connection did lately, oldest first: every reconnect attempt, the handshake, the sync and the
   * apply that followed. Read through window.__gcc.liveTrace() by the resync benchmark and by anyone
   * debugging a wall that came back slowly; it costs an array push per step.
   */
  private traceRing: LiveTraceEntry[] = [];
  trace = (): readonly LiveTraceEntry[] => this.traceRing;
  private mark(step: LiveTraceStep, n?: number): void {
    this.traceRing.push(n === undefined ? { at: this.now(), step } : { at: this.now(), step, n });
    if (this.traceRing.length > TRACE_MAX) this.traceRing.splice(0, this.traceRing.length - TRACE_MAX);
  }

  /** Brings the socket back after a loss (reconnect-loop.ts: Socket.IO's own reconnection is off). */
  private readonly reconnect: ReconnectLoop;

  constructor(private readonly opts: { now?: () => number; pulseMs?: number; reconnect?: Partial<ReconnectOptions> } = {}) {
    this.reconnect = new ReconnectLoop(
      {
        probe: probeHealthz,
        connect: () => this.socket?.connect(),
        now: () => this.now(),
        random: Math.random,
        setTimer: (fn, ms) => setTimeout(fn, ms),
        clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
        trace: (step, n) => this.mark(step, n),
      },
      opts.reconnect,
    );
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  getView = (): LiveView => this.view;

  private set(patch: Partial<LiveView>): void {
    this.view = { ...this.view, ...patch };
    for (const l of this.listeners) l();
  }

  /** The first snapshot, fetched as the store starts — in parallel with the socket's connection, not after it. */
  private firstSnapshot: Promise<void> | null = null;

  private started = false;
  private holdTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Loads the snapshot and — unless `holdSocket` — opens the socket. A cold wall's first frame waits on
   * MapLibre's `load`, and on 2 software-rendered cores everything else the page does meanwhile delays it: the
   * socket's handshake, its sync, the KPIs pushed after it and the worker positions every second (each a
   * re-render). Nothing on the first frame needs the socket (the snapshot has it all), so the wall holds the
   * socket until its map has loaded (openSocket()); SOCKET_HOLD_MAX_MS bounds the hold should the map never load.
   */
  start(opts: { holdSocket?: boolean } = {}): void {
    if (this.started) return;
    this.started = true;
    // A cold wall used to ask for its snapshot only once the socket had connected (a WebSocket handshake and
    // the session check later). The protocol only needs the snapshot before the first sync, so fetch it now;
    // catchUp() waits for it. A failure leaves `loaded` false and catchUp() asks again.
    this.firstSnapshot = this.loadSnapshot().catch((err: Error) => this.set({ error: err.message }));
    if (opts.holdSocket) this.holdTimer = setTimeout(() => this.openSocket(), SOCKET_HOLD_MAX_MS);
    else this.openSocket();
  }

  /** Opens the live socket (once; after start()). */
  openSocket(): void {
    if (!this.started || this.socket) return;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    // reconnection: false — the ReconnectLoop decides when to try again (see reconnect-loop.ts for why)
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ withCredentials: true, transports: ['websocket', 'polling'], reconnection: false });
    this.socket = socket;
    socket.io.on('open', () => this.mark('engine_open'));
    socket.on('connect', () => {
      this.mark('connect');
      this.reconnect.connected();
      this.set({ connected: true, disconnectedAt: null, error: null });
      void this.catchUp();
    });
    socket.on('disconnect', (reason) => {
      this.mark('disconnect');
      this.set({ connected: false, disconnectedAt: this.view.disconnectedAt ?? this.now() });
      // every loss but our own stop() — a dropped transport, a server restart, a session sweep — is retried
      if (reason !== 'io client disconnect') this.reconnect.lost();
    });
    socket.on('connect_error', (err) => {
      this.mark('reconnect_error');
      this.set({ connected: false, disconnectedAt: this.view.disconnectedAt ?? this.now(), error: err.message });
      this.reconnect.attemptFailed();
      this.reconnect.lost();
    });
    socket.on('events:appended', (events) => {
      this.queue.push(...events);
      this.scheduleFlush();
    });
    socket.on('workers:positions', (batch) => {
      this.pendingPositions.push(...batch.positions);
      this.scheduleFlush();
    });
    socket.on('kpis:updated', (k) => {
      this.mark('kpis');
      this.pendingKpis = k;
      // the server sends the current figures right after a sync: show them with the synced events, not a
      // throttle interval after them (the wall is "current" only once its figures are)
      if (this.kpisAfterSync && !this.holding) {
        this.kpisAfterSync = false;
        if (this.flushTimer) clearTimeout(this.flushTimer);
        this.flushTimer = null;
        this.flush();
        return;
      }
      this.scheduleFlush();
    });
  }

  stop(): void {
    this.reconnect.stop();
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.started = false;
    this.socket?.disconnect();
    this.socket = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  /** Snapshot when we have nothing (or were told to resync), then the events after our cursor. */
  private async catchUp(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    this.holding = true;
    try {
      if (!this.view.loaded && this.firstSnapshot) await this.firstSnapshot;
      if (!this.view.loaded) await this.loadSnapshot();
      const socket = this.socket;
      if (!socket) return;
      this.mark('sync_sent');
      const ack = await socket.timeout(10_000).emitWithAck('events:sync', { afterId: this.view.state.lastEventId });
      if (!ack.ok) throw new Error(ack.error.message);
      this.mark('sync_ack', ack.resync ? undefined : ack.events.length);
      if (ack.resync) {
        await this.loadSnapshot();
      } else {
        this.queue.push(...ack.events);
      }
    } catch (err) {
      this.set({ error: (err as Error).message });
    } finally {
      this.syncing = false;
      this.holding = false;
      this.kpisAfterSync = true;
      this.flush();
    }
  }

  private async loadSnapshot(): Promise<void> {
    const snap = await api.get<LiveSnapshot>('/api/live/snapshot');
    // keep queued events newer than the snapshot; reconcile drops the rest as duplicates
    this.set({ state: fromSnapshot(snap), loaded: true });
    this.mark('snapshot');
  }

  private lastFlushAt = 0;
  /** Set when a sync ended: the KPIs the server sends next are applied at once (see 'kpis:updated'). */
  private kpisAfterSync = false;

  /** Leading-edge throttle: the first change after a quiet spell shows at once, a burst at most every 250 ms. */
  private scheduleFlush(): void {
    if (this.flushTimer) return;
    const delay = Math.max(0, this.lastFlushAt + FLUSH_INTERVAL_MS - this.now());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, delay);
  }

  private flush(): void {
    if (!this.view.loaded || this.holding) return;
    const events = this.queue;
    const positions = this.pendingPositions;
    const kpis = this.pendingKpis;
    this.queue = [];
    this.pendingPositions = [];
    this.pendingKpis = null;
    if (!events.length && !positions.length && !kpis) return;
    this.lastFlushAt = this.now();
    const before = this.view.state;
    let state = reconcileAll(before, events);
    state = applyPositions(state, positions);
    if (kpis) state = applyKpis(state, kpis);
    if (state === before) return;
    const now = this.now();
    const pulseMs = this.opts.pulseMs ?? 60_000;
    this.mark('apply', events.length);
    const arrivals = new Map<number, number>();
    for (const [id, t] of this.view.arrivals) if (now - t < pulseMs && state.incidents.has(id)) arrivals.set(id, t);
    for (const id of state.incidents.keys()) if (!before.incidents.has(id)) arrivals.set(id, now);
    this.set({ state, arrivals });
  }
}
