// In-process cache of resolved sessions, so that an HTTP request or a socket handshake does not need a
// database round trip to learn who sent it. Keyed by the session id, which is the token's sha256 (the raw
// token is never kept in memory beyond the request). Only successful lookups are cached: unknown, expired
// and malformed tokens always go to the database, so random tokens cannot fill the cache or evict real ones.
//
// Staleness bound: a session deleted, or a user disabled, by ANOTHER process (or directly in the database) is
// still accepted here for at most SESSION_CACHE_TTL_MS. Signing out through this process invalidates the entry
// at once (invalidateCachedSession), and the expiry time is checked against the clock on every hit.
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/db';
import type { Identity } from './identity';
import type { SessionInfo } from './sessions';

/**
 * How long a resolved session is trusted without asking the database. Short, because it is the window in
 * which a sign-out or an account disabled on another node is not yet seen here (documented in SECURITY.md);
 * long enough that a page load or a burst of reports (dozens of requests a second) costs one lookup.
 */
export const SESSION_CACHE_TTL_MS = 5_000;
/** Entries kept at most: far above the sessions one street has (tens of staff, a few wall displays). */
export const SESSION_CACHE_MAX = 10_000;

export interface CachedSession {
  identity: Identity;
  session: SessionInfo;
  /** sessions.last_seen_at (ms): a wall session due for its sliding renewal bypasses the cache. */
  lastSeenAt: number;
  /** ctx.clock time of the database lookup (ms). */
  cachedAt: number;
}

export class SessionCache {
  private readonly lru: LRUCache<string, CachedSession>;
  /**
   * Ids deleted in this process during the last ttlMs. A lookup that read the row just before the DELETE
   * committed may finish after it: set() refuses to cache such an id, so a signed-out session cannot be
   * re-cached by a request racing the sign-out. Session ids never come back (random 256-bit tokens).
   */
  private readonly ended: LRUCache<string, true>;

  constructor(readonly ttlMs: number = SESSION_CACHE_TTL_MS, max: number = SESSION_CACHE_MAX) {
    // lru-cache's own TTL runs on the monotonic clock, so the bound holds even when the injected clock is
    // frozen (tests) or the wall clock jumps; get() also checks the injected clock so tests can move it.
    this.lru = new LRUCache<string, CachedSession>({ max, ttl: ttlMs, updateAgeOnGet: false, allowStale: false });
    this.ended = new LRUCache<string, true>({ max, ttl: ttlMs });
  }

  /** The entry for this session id if it was looked up less than ttlMs ago (by both clocks). */
  get(sessionId: string, nowMs: number): CachedSession | undefined {
    const e = this.lru.get(sessionId);
    if (!e) return undefined;
    const age = nowMs - e.cachedAt;
    if (age < 0 || age >= this.ttlMs) {
      this.lru.delete(sessionId);
      return undefined;
    }
    return e;
  }

  set(sessionId: string, entry: CachedSession): void {
    if (this.ended.has(sessionId)) return;
    this.lru.set(sessionId, entry);
  }

  /** Forgets a session that has ended (signed out, replaced at sign-in, found dead by the socket sweep). */
  delete(sessionId: string): void {
    this.lru.delete(sessionId);
    this.ended.set(sessionId, true);
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }
}

// One cache per database handle, i.e. per process in production: every AuthContext built on the same Db
// (the /api middleware, Open311's own session middleware, socket handshakes) shares it, so a sign-out through
// any of them invalidates the entry for all of them.
const caches = new WeakMap<Db, SessionCache>();

export function sessionCacheOf(db: Db): SessionCache {
  let c = caches.get(db);
  if (!c) {
    c = new SessionCache();
    caches.set(db, c);
  }
  return c;
}

/** Forgets a session in this process (call whenever a session row is deleted). */
export function invalidateCachedSession(db: Db, sessionId: string): void {
  sessionCacheOf(db).delete(sessionId);
}
