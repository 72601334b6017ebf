// HTTP security headers (helmet) with a content-security policy that lets the map run (maplibre's blob:
// workers, inline styles it sets on elements, data:/blob: images) and loads nothing from a foreign origin.
import helmet from 'helmet';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { configuredOrigins } from './origins';

export function cspDirectives(config: Pick<Config, 'ALLOWED_ORIGINS' | 'PUBLIC_ORIGIN' | 'COOKIE_SECURE'>): Record<string, string[] | null> {
  // 'self' covers same-origin ws:/wss: in CSP Level 3 browsers; configured origins (and their ws variant)
  // are added explicitly, nothing else.
  const extra = [...configuredOrigins(config)].flatMap((o) => [o, o.replace(/^http/, 'ws')]);
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'worker-src': ["'self'", 'blob:'],
    'child-src': ["'self'", 'blob:'],
    'img-src': ["'self'", 'data:', 'blob:'],
    'connect-src': ["'self'", ...extra],
    'style-src': ["'self'", "'unsafe-inline'"],
    'font-src': ["'self'", 'data:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'script-src-attr': ["'none'"],
    // on plain-HTTP LAN installs upgrading would break every request; behind HTTPS it is on
    'upgrade-insecure-requests': config.COOKIE_SECURE === 'true' ? [] : null,
  };
}

export function securityHeaders(config: Pick<Config, 'ALLOWED_ORIGINS' | 'PUBLIC_ORIGIN' | 'COOKIE_SECURE'>): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(config) },
    strictTransportSecurity: config.COOKIE_SECURE === 'true' ? { maxAge: 15_552_000, includeSubDomains: true } : false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}
