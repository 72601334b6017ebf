// Serves the built client (dist/client, `vite build`). Files under /assets carry a content hash in their name,
// so they are cached for a year as immutable: a new build has new names, and the HTML that names them is never
// cached without asking again (no-cache). Each asset's brotli and gzip copies are made at build time
// (vite.config.ts), so compressing costs the server nothing per request; the browser gets the smallest copy it
// accepts. Everything else (the service worker, the manifest) is served as before, revalidated each time.
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import express, { Router, type Request, type Response } from 'express';
import { CLIENT_ASSET_ROUTES } from '../spa-routes';
import { AppError } from '../../common/errors';

/** A hashed asset never changes content: a year, immutable. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** The HTML shell and the unhashed files: always revalidated, so a new build is seen at the next load. */
export const SHELL_CACHE_CONTROL = 'no-cache';

/** Asset names as Vite writes them (no directories, no dot-dot). */
const ASSET_NAME = /^[A-Za-z0-9_.-]+$/;

const ENCODINGS = [
  { token: 'br', suffix: '.br' },
  { token: 'gzip', suffix: '.gz' },
] as const;

/** True when the Accept-Encoding header takes `token` (listed, and not with q=0). */
export function acceptsEncoding(header: string | undefined, token: string): boolean {
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name.trim() !== token) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** Exists and is a file. Only files that exist are remembered (a build's names: bounded); a miss is asked again. */
function fileExists(p: string, seen: Set<string>): boolean {
  if (seen.has(p)) return true;
  const found = existsSync(p) && statSync(p).isFile();
  if (found) seen.add(p);
  return found;
}

export function staticClientRoutes(distDir: string): Router {
  const r = Router();
  const assetsDir = path.join(distDir, 'assets');
  const seen = new Set<string>();

  r.get(CLIENT_ASSET_ROUTES, (req: Request, res: Response, next) => {
    const name = String(req.params.name);
    const file = path.join(assetsDir, name);
    // a name that is not one of this build's files (an old page after a new build, a typo): a coded 404 that says so
    if (!ASSET_NAME.test(name) || name.startsWith('.') || !fileExists(file, seen)) {
      return next(new AppError('NOT_FOUND', `no file ${name} in this build of the client: reload the page to get the current one`, 'path.name'));
    }
    res.set('Vary', 'Accept-Encoding');
    for (const enc of ENCODINGS) {
      if (!acceptsEncoding(req.get('accept-encoding'), enc.token) || !fileExists(file + enc.suffix, seen)) continue;
      // the type of the original file, not of .br/.gz
      res.type(path.extname(name));
      res.set('Content-Encoding', enc.token);
      res.sendFile(file + enc.suffix, { headers: { 'Cache-Control': ASSET_CACHE_CONTROL }, cacheControl: false }, (err) => err && next(err));
      return;
    }
    res.sendFile(file, { headers: { 'Cache-Control': ASSET_CACHE_CONTROL }, cacheControl: false }, (err) => err && next(err));
  });
  r.use(
    express.static(distDir, {
      index: false,
      setHeaders: (res, file) => res.setHeader('Cache-Control', file.startsWith(assetsDir + path.sep) ? ASSET_CACHE_CONTROL : SHELL_CACHE_CONTROL),
    }),
  );
  return r;
}

/** The SPA's HTML shell for a client route. */
export function sendShell(distDir: string) {
  return (_req: Request, res: Response) => res.sendFile(path.join(distDir, 'index.html'), { headers: { 'Cache-Control': SHELL_CACHE_CONTROL }, cacheControl: false });
}
