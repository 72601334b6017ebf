// The live store over H3a's Socket.IO contract (common/realtime.ts): snapshot over HTTP, then events pushed
// with ids; after every (re)connect `events:sync { afterId }` fills the gap, or says "resync" and the
// snapshot is fetched again. Incoming work is queued and applied at most every FLUSH_INTERVAL_MS, so a
// burst of 1,000 events/s causes ≤ 4 renders a second, not 1,000.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Kpis, LiveEvent, LiveSnapshot, ServerToClientEvents, WorkerPosition } from '../../../common/realtime';
import { api } from '../api/http';
import { applyKpis, applyPositions, EMPTY_LIVE_STATE, fromSnapshot, reconcileAll, type LiveState } from './reconcile';

export const FLUSH_INTERVAL_MS = 250;

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

/**
 * Reconnection backoff of a wall. Socket.IO's default grows to 5 s (± 50 %), so a wall whose server came back
 * could wait up to 5 s before it even tried; a hall has a handful of displays, not thousands, so trying about
 * once a second is cheap: 500 ms, then 1 s, capped at 1 s. The jitter (the cap is applied after it, so at the
 * cap an attempt comes 0.5–1 s after the last) keeps the displays of a hall from reconnecting in lockstep.
 */
export const RECONNECTION = { reconnectionDelay: 500, reconnectionDelayMax: 1000, randomizationFactor: 0.5 } as const;

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

  constructor(private readonly opts: { now?: () => number; pulseMs?: number } = {}) {}

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

  start(): void {
    if (this.socket) return;
    // A cold wall used to ask for its snapshot only once the socket had connected (a WebSocket handshake and
    // the session check later). The protocol only needs the snapshot before the first sync, so fetch it now;
    // catchUp() waits for it. A failure leaves `loaded` false and catchUp() asks again.
    this.firstSnapshot = this.loadSnapshot().catch((err: Error) => this.set({ error: err.message }));
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ withCredentials: true, transports: ['websocket', 'polling'], ...RECONNECTION });
    this.socket = socket;
    socket.on('connect', () => {
      this.set({ connected: true, disconnectedAt: null, error: null });
      void this.catchUp();
    });
    socket.on('disconnect', (reason) => {
      this.set({ connected: false, disconnectedAt: this.view.disconnectedAt ?? this.now() });
      // Socket.IO does not reconnect by itself after a server-side disconnect (restart, session sweep);
      // a wall must: try again until it is back (an expired session then shows the sign-in form on reload).
      if (reason === 'io server disconnect') this.reconnectLater(RECONNECTION.reconnectionDelay);
    });
    socket.on('connect_error', (err) => this.set({ connected: false, disconnectedAt: this.view.disconnectedAt ?? this.now(), error: err.message }));
    socket.on('events:appended', (events) => {
      this.queue.push(...events);
      this.scheduleFlush();
    });
    socket.on('workers:positions', (batch) => {
      this.pendingPositions.push(...batch.positions);
      this.scheduleFlush();
    });
    socket.on('kpis:updated', (k) => {
      this.pendingKpis = k;
      this.scheduleFlush();
    });
  }

  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectLater(ms: number): void {
    if (this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      const socket = this.socket;
      if (!socket || socket.connected) return;
      socket.connect();
      // if this attempt fails, the manager's own backoff (RECONNECTION) takes over; check again later in case it gave up
      this.reconnectLater(Math.min(5000, ms * 2));
    }, ms);
  }

  stop(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
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
      const ack = await socket.timeout(10_000).emitWithAck('events:sync', { afterId: this.view.state.lastEventId });
      if (!ack.ok) throw new Error(ack.error.message);
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
      this.flush();
    }
  }

  private async loadSnapshot(): Promise<void> {
    const snap = await api.get<LiveSnapshot>('/api/live/snapshot');
    // keep queued events newer than the snapshot; reconcile drops the rest as duplicates
    this.set({ state: fromSnapshot(snap), loaded: true });
  }

  private lastFlushAt = 0;

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
    const arrivals = new Map<number, number>();
    for (const [id, t] of this.view.arrivals) if (now - t < pulseMs && state.incidents.has(id)) arrivals.set(id, t);
    for (const id of state.incidents.keys()) if (!before.incidents.has(id)) arrivals.set(id, now);
    this.set({ state, arrivals });
  }
}
