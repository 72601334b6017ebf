// Requests a page will make anyway, sent before its code has loaded, and handed to the code that asks later.
// A cold /wall used to ask for its session, then load its chunk, then ask how large the data is, then ask for
// the data — each step waiting for the one before and for 2.5 MB of script to be evaluated (bench/wall-trace.ts:
// the data requests went out 1.8 s after navigation). boot.ts starts them as the tiny entry runs.
//
// Rules that keep this safe: only GETs; a prefetched answer is used once, by the first api.get() of exactly that
// path, and only if it is fresh (MAX_AGE_MS) and succeeded — a 401 before sign-in, or an error, is dropped and
// the caller asks again itself, so the app behaves as if nothing had been prefetched.

/** Older than this, a prefetched answer is not used (a page that sat on its sign-in form asks again). */
export const PREFETCH_MAX_AGE_MS = 15_000;

interface Entry {
  at: number;
  response: Promise<Response>;
}

const entries = new Map<string, Entry>();

/** Starts a same-origin GET now, to be taken by takePrefetched(path). A path already under way is not asked twice. */
export function prefetch(path: string): Promise<Response> {
  const have = entries.get(path);
  if (have) return have.response;
  const response = fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  // an unhandled rejection would be logged as an error on the wall: the taker sees the failure and asks again
  response.catch(() => undefined);
  entries.set(path, { at: performance.now(), response });
  return response;
}

/** Starts a GET only to fill the browser's HTTP cache (cacheable answers that MapLibre fetches itself: its style, its GeoJSON). */
export function warmHttpCache(path: string): void {
  void fetch(path, { credentials: 'same-origin' }).then((r) => r.arrayBuffer(), () => undefined).catch(() => undefined);
}

/**
 * The prefetched answer of `path` if there is a fresh one that succeeded, else null (the caller fetches). The
 * entry is removed either way: a second caller, or a later refresh, always gets a new answer.
 */
export async function takePrefetched(path: string): Promise<Response | null> {
  const e = entries.get(path);
  if (!e) return null;
  entries.delete(path);
  if (performance.now() - e.at > PREFETCH_MAX_AGE_MS) return null;
  try {
    const res = await e.response;
    return res.ok ? res : null;
  } catch {
    return null;
  }
}

/** Paths prefetched and not yet taken (tests, and a wall being debugged). */
export function pendingPrefetches(): string[] {
  return [...entries.keys()];
}
