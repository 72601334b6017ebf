// Who may call what. Most routes declare their roles in code with `requireRole(...)` (the route-permission
// test reads that from the Express router stack). This table covers the rest: routes that are public, and
// routes that authorise inside the handler (getIdentity + their own rule). Add a row when you add such a
// route — the test fails for any /api route whose policy it cannot find, so nothing is left undeclared.
import type { RequestHandler } from 'express';
import { USER_ROLES, type UserRole } from '../../common/domain';

export type Access = 'public' | readonly UserRole[];

export interface RoutePolicy {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The Express path as registered, e.g. "/api/incidents/:id". */
  path: string;
  access: Access;
  why: string;
  /**
   * For routes that validate before they authorise: a concrete path and/or body that passes validation, so
   * the permission test reaches the authorisation check.
   */
  sample?: { path?: string; body?: unknown };
}

export const ROUTE_POLICIES: readonly RoutePolicy[] = [
  { method: 'POST', path: '/api/auth/login', access: 'public', why: 'creates the session (rate-limited, Origin-checked)' },
  { method: 'GET', path: '/api/auth/pair', access: 'public', why: 'a one-time wall pairing key is the credential' },
  { method: 'GET', path: '/api/auth/me', access: USER_ROLES, why: 'any signed-in identity reads itself' },
  { method: 'POST', path: '/api/auth/logout', access: USER_ROLES, why: 'any signed-in identity signs out' },
  { method: 'POST', path: '/api/auth/password', access: USER_ROLES, why: 'any signed-in browser session changes its own password (not an access token; checked in the handler, wrong current passwords rate-limited)' },
  // Open311 GeoReport v2 (server/open311), every resource as .json and .xml
  { method: 'GET', path: '/open311/v2/discovery.:format', access: 'public', why: 'the endpoint description is public by the Open311 spec', sample: { path: '/open311/v2/discovery.json' } },
  { method: 'GET', path: '/open311/v2/services.:format', access: 'public', why: 'the service list is public by the Open311 spec', sample: { path: '/open311/v2/services.json' } },
  { method: 'GET', path: '/open311/v2/services/:code.:format', access: 'public', why: 'a service definition is public by the Open311 spec', sample: { path: '/open311/v2/services/environment.json' } },
  { method: 'GET', path: '/open311/v2/requests.:format', access: 'public', why: 'keyless GET as the spec allows: public fields only; api_key or session adds description and address (checked in the handler)', sample: { path: '/open311/v2/requests.json' } },
  {
    method: 'GET',
    path: '/open311/v2/requests/:file',
    access: 'public',
    why: 'keyless GET as the spec allows: public fields only; api_key or session adds description and address (checked in the handler)',
    sample: { path: '/open311/v2/requests/1.json' },
  },
  {
    method: 'POST',
    path: '/open311/v2/requests.:format',
    access: ['dispatcher', 'admin', 'worker'],
    why: 'api_key or session (checked in the handler after the body is parsed), rate-limited',
    sample: { path: '/open311/v2/requests.json', body: { service_code: 'environment', lat: '39.22', long: '117.14', description: 'route permission test' } },
  },
];

/** Path prefixes whose routes must all have a declared policy (health probes and the SPA are public by design). */
export const GUARDED_PREFIXES = ['/api/', '/open311/', '/ogc'] as const;

/**
 * Socket commands (client → server events with an ack), the roles that may send them, and a payload that
 * passes validation (so the permission test proves the role check, not the schema). The realtime handlers
 * may check it with `mayRunSocketCommand`; the permission test iterates it.
 */
export interface SocketCommandPolicy {
  roles: readonly UserRole[];
  sample: unknown;
}

export const SOCKET_COMMAND_POLICIES: Readonly<Record<string, SocketCommandPolicy>> = {
  'events:sync': { roles: USER_ROLES, sample: { afterId: 0 } },
  'workers:report': { roles: ['worker', 'dispatcher', 'admin'], sample: { fixes: [{ personId: 1, lon: 117.14, lat: 39.22 }] } },
};

export function mayRunSocketCommand(command: string, role: UserRole): boolean {
  const policy = SOCKET_COMMAND_POLICIES[command];
  return policy !== undefined && policy.roles.includes(role);
}

/** Marker on handlers made by `publicRoute`: the route answers without a session, on purpose. */
export const PUBLIC_META = Symbol.for('gcc.publicRoute');

/** Declares in code that a route is public (e.g. Open311 intake with its own key): a no-op middleware. */
export function publicRoute(why: string): RequestHandler & { [PUBLIC_META]: string } {
  const mw: RequestHandler = (_req, _res, next) => next();
  return Object.assign(mw, { [PUBLIC_META]: why });
}
