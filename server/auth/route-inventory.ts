// Lists every route of an Express app with the access it declares, by walking the router stack (Express 5 /
// router 2.x internals: layer.route, layer.handle.stack, layer.rawPath). Used by the route-permission test
// so routes added later are covered without anyone updating a list.
import type { Express } from 'express';
import type { UserRole } from '../../common/domain';
import { ROLES_META } from './identity';
import { PUBLIC_META, ROUTE_POLICIES, type Access } from './route-policy';

export interface RouteEntry {
  method: string;
  path: string;
  /** undefined = no declaration found (a bug the test reports). */
  access: Access | undefined;
  source: 'requireRole' | 'publicRoute' | 'table' | 'none';
}

// Minimal structural view of router internals; they are untyped in @types/express.
interface LayerLike {
  handle?: HandlerLike;
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: LayerLike[] };
  rawPath?: unknown;
}
type HandlerLike = ((...args: unknown[]) => unknown) & {
  stack?: LayerLike[];
  [ROLES_META]?: readonly UserRole[];
  [PUBLIC_META]?: string;
};

function joinPath(prefix: string, p: string): string {
  const joined = `${prefix}/${p}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function declared(h: HandlerLike | undefined): Access | undefined {
  if (!h) return undefined;
  if (h[ROLES_META]) return h[ROLES_META];
  if (h[PUBLIC_META] !== undefined) return 'public';
  return undefined;
}

function walk(stack: LayerLike[], prefix: string, inherited: Access | undefined, out: RouteEntry[]): void {
  let guard = inherited;
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      let own: Access | undefined;
      for (const l of layer.route.stack) {
        own = declared(l.handle);
        if (own) break;
      }
      const access = own ?? guard;
      for (const p of paths) {
        for (const m of Object.keys(layer.route.methods)) {
          if (m === '_all') continue;
          out.push({ method: m.toUpperCase(), path: joinPath(prefix, p), access, source: own ? (own === 'public' ? 'publicRoute' : 'requireRole') : guard ? 'requireRole' : 'none' });
        }
      }
      continue;
    }
    const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '/';
    if (layer.handle?.stack) {
      walk(layer.handle.stack, joinPath(prefix, mount), guard, out);
      continue;
    }
    // router.use(requireRole(...)) without a path guards every later route of this router
    const d = declared(layer.handle);
    if (d && mount === '/') guard = d;
  }
}

export function listRoutes(app: Express): RouteEntry[] {
  const router = (app as unknown as { router: { stack: LayerLike[] } }).router;
  const out: RouteEntry[] = [];
  walk(router.stack, '', undefined, out);
  for (const r of out) {
    if (r.access !== undefined) continue;
    const row = ROUTE_POLICIES.find((p) => p.method === r.method && p.path === r.path);
    if (row) {
      r.access = row.access;
      r.source = 'table';
    }
  }
  // HEAD is served by GET routes; not listed separately
  return out.filter((r) => r.method !== 'HEAD');
}
