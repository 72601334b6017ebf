// The phone's outbox (issue 13, weak network): every report and state change is written to IndexedDB first,
// with its Idempotency-Key, and then sent in order. A send that fails on the network stays queued and is
// retried when the browser says it is online again (and every few seconds); the server's idempotency
// (server/incidents/idempotency.ts) turns a resend of something that did arrive into a replay, so nothing is
// applied twice. A refused command (4xx) is kept as failed with the server's message, never silently dropped.
import { getCsrfToken } from '../api/http';

export interface OutboxItem {
  id?: number;
  /** Idempotency-Key sent with the request; also the handle later items refer to. */
  key: string;
  method: 'POST';
  /** May contain ":ref", replaced by the id answered to the item whose key is `refKey` (a photo of a new report). */
  path: string;
  refKey?: string;
  body: unknown;
  /** A photo is sent raw with its type; everything else as JSON. */
  blob?: Blob;
  label: string;
  createdAt: string;
  state: 'waiting' | 'failed';
  attempts: number;
  lastError?: string;
}

const DB_NAME = 'gcc-field';
const STORE = 'outbox';
const RESULTS = 'results';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
      req.result.createObjectStore(RESULTS);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB unavailable'));
  });
}

function tx<T>(db: IDBDatabase, store: string, mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const req = run(t.objectStore(store));
    t.oncomplete = () => resolve(req.result);
    t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
  });
}

export function newKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

type Listener = (items: OutboxItem[]) => void;

export class Outbox {
  private db: Promise<IDBDatabase> = openDb();
  private listeners = new Set<Listener>();
  private flushing: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Called with the server's answer after each successful send (the page refreshes its tasks). */
  onSent: ((item: OutboxItem, answer: unknown) => void) | null = null;

  start(): void {
    window.addEventListener('online', this.kick);
    this.timer = setInterval(this.kick, 5000);
    this.kick();
  }
  stop(): void {
    window.removeEventListener('online', this.kick);
    if (this.timer) clearInterval(this.timer);
  }
  private kick = () => void this.flush();

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    void this.list().then(l);
    return () => this.listeners.delete(l);
  }
  private async changed(): Promise<void> {
    const items = await this.list();
    for (const l of this.listeners) l(items);
  }

  async list(): Promise<OutboxItem[]> {
    return tx(await this.db, STORE, 'readonly', (s) => s.getAll() as IDBRequest<OutboxItem[]>);
  }

  async enqueue(item: Omit<OutboxItem, 'createdAt' | 'state' | 'attempts' | 'method'>): Promise<void> {
    const full: OutboxItem = { ...item, method: 'POST', createdAt: new Date().toISOString(), state: 'waiting', attempts: 0 };
    await tx(await this.db, STORE, 'readwrite', (s) => s.add(full));
    await this.changed();
    this.kick();
  }

  async discard(id: number): Promise<void> {
    await tx(await this.db, STORE, 'readwrite', (s) => s.delete(id));
    await this.changed();
  }

  flush(): Promise<void> {
    if (!this.flushing) this.flushing = this.run().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Sends waiting items in order; stops at the first network failure (the rest would fail too). */
  private async run(): Promise<void> {
    if (!navigator.onLine) return;
    const db = await this.db;
    for (const item of await this.list()) {
      if (item.state !== 'waiting') continue;
      let path = item.path;
      if (item.refKey) {
        const ref = await tx<unknown>(db, RESULTS, 'readonly', (s) => s.get(item.refKey as string));
        if (typeof ref !== 'number') continue; // the report it belongs to has not been sent yet
        path = path.replace(':ref', String(ref));
      }
      let res: Response;
      try {
        const csrf = getCsrfToken();
        res = await fetch(path, {
          method: item.method,
          credentials: 'same-origin',
          headers: {
            Accept: 'application/json',
            'Idempotency-Key': item.key,
            'Content-Type': item.blob ? item.blob.type : 'application/json',
            ...(csrf ? { 'X-CSRF-Token': csrf } : {}),
          },
          body: item.blob ?? JSON.stringify(item.body),
        });
      } catch {
        return; // offline or the server is unreachable: keep everything, try again later
      }
      const text = await res.text();
      let answer: unknown;
      try {
        answer = text ? JSON.parse(text) : undefined;
      } catch {
        answer = text;
      }
      if (res.ok) {
        const id = (answer as { id?: unknown } | undefined)?.id;
        if (typeof id === 'number') await tx(db, RESULTS, 'readwrite', (s) => s.put(id, item.key));
        await tx(db, STORE, 'readwrite', (s) => s.delete(item.id as number));
        this.onSent?.(item, answer);
      } else if (res.status >= 500 || res.status === 401 || res.status === 408 || res.status === 429) {
        // Try again later (server trouble, or a session to renew by signing in).
        await tx(db, STORE, 'readwrite', (s) => s.put({ ...item, attempts: item.attempts + 1, lastError: `HTTP ${res.status}` }));
        await this.changed();
        return;
      } else {
        const msg = (answer as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
        await tx(db, STORE, 'readwrite', (s) => s.put({ ...item, state: 'failed', attempts: item.attempts + 1, lastError: msg }));
      }
      await this.changed();
    }
  }
}
