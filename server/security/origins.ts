// Which browser Origins may talk to us: the server's own origin (as the browser addressed it), PUBLIC_ORIGIN
// and the comma-separated ALLOWED_ORIGINS. Used for cookie-authenticated writes and Socket.IO handshakes.
import type { Config } from '../config';

export function configuredOrigins(config: Pick<Config, 'ALLOWED_ORIGINS' | 'PUBLIC_ORIGIN'>): Set<string> {
  const list = config.ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  if (config.PUBLIC_ORIGIN) list.push(config.PUBLIC_ORIGIN);
  return new Set(list.map(normaliseOrigin).filter((o): o is string => o !== undefined));
}

/** "https://Example.org:443/" → "https://example.org"; undefined for anything that is not an http(s) origin. */
export function normaliseOrigin(value: string): string | undefined {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

/**
 * True when `origin` may act on this server. A missing Origin is allowed: browsers always send it on
 * cross-site writes and WebSocket handshakes, so its absence means a same-origin GET or a non-browser client
 * (which still needs a session and, for writes, the CSRF token). The literal "null" origin is refused.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, allowed: Set<string>): boolean {
  if (origin === undefined || origin === '') return true;
  const o = normaliseOrigin(origin);
  if (!o) return false;
  if (allowed.has(o)) return true;
  // Own origin: same host[:port] as the request was addressed to. The scheme is not compared because a
  // TLS-terminating proxy makes it unknowable here; a foreign page cannot forge an Origin naming our host.
  return host !== undefined && new URL(o).host === host.toLowerCase();
}
