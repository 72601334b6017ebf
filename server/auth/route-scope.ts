// What rows each read route and each pushed socket event may carry, and why (issue 12 item 3). Next to
// route-policy.ts, which says *who* may call a route; this says *what of the street* the answer holds for them.
// tests/security/scope-enumeration.test.ts walks the live router, fails for a GET route missing here (or a
// row here naming a route that no longer exists), and proves each row against grid B's secrets as a worker of
// grid A, a wall, a planner and a leader, on both backends.

/**
 * - `no-rows`: answers hold no street rows (health, styles, service lists, a schema): the same for everyone.
 * - `street-public`: public geography of the street (roads, community outlines and names): the same for every
 *   signed-in role, worker included; never personal data.
 * - `scoped`: grid rows through the request's `ScopePolicy` (or `mayReadCase`/`inScope` on one row): a worker
 *   sees their grid (and the cases assigned to them), a street role the street; out of scope = 404 or absent.
 * - `own`: only the caller's own rows (their session, their tokens, their tasks, the report whose code they hold).
 * - `street-roles`: street-wide figures for street roles only; a worker is refused by `requireRole` (403).
 * - `admin-only`: administration (accounts, rosters, imports, audit): admin, and leader for the audit trail.
 */
import { CLIENT_ASSET_ROUTES, PUBLIC_SPA_ROUTES, SPA_ROUTES } from '../spa-routes';

export type RouteScope = 'no-rows' | 'street-public' | 'scoped' | 'own' | 'street-roles' | 'admin-only';

export interface RouteScopeRow {
  path: string;
  scope: RouteScope;
  why: string;
}

/** Every GET route of the app, by its Express path as registered. */
export const ROUTE_SCOPES: readonly RouteScopeRow[] = [
  { path: '/healthz', scope: 'no-rows', why: 'liveness: process state only' },
  { path: '/readyz', scope: 'no-rows', why: 'readiness: database reachable or not' },
  // auth
  { path: '/api/auth/pair', scope: 'no-rows', why: 'sets a wall cookie from a one-time key and redirects' },
  { path: '/api/auth/me', scope: 'own', why: 'the caller\'s own identity and CSRF token' },
  { path: '/api/auth/tokens', scope: 'own', why: 'the caller\'s own API tokens (never their secrets)' },
  // privacy
  { path: '/api/privacy/care-aggregates', scope: 'scoped', why: 'released counts of the caller\'s table (disclosure.ts): a worker\'s cells are their grid\'s, small counts suppressed' },
  { path: '/api/privacy/care-subjects', scope: 'admin-only', why: 'individual rows for admin/leader, with a purpose, audited' },
  // administration
  { path: '/api/admin/accounts', scope: 'admin-only', why: 'user administration' },
  { path: '/api/admin/grids', scope: 'admin-only', why: 'grid list for assigning accounts' },
  { path: '/api/admin/people', scope: 'admin-only', why: 'people list for linking accounts' },
  { path: '/api/admin/rosters/:kind/template', scope: 'admin-only', why: 'an empty roster template' },
  { path: '/api/admin/audit', scope: 'admin-only', why: 'the audit trail: admin and leader' },
  { path: '/api/admin/audit/actions', scope: 'admin-only', why: 'audit action names: admin and leader' },
  { path: '/api/admin/audit/export', scope: 'admin-only', why: 'audit export: admin and leader' },
  { path: '/api/import/uploads/:id', scope: 'admin-only', why: 'a staged import' },
  // live
  { path: '/api/live/snapshot', scope: 'scoped', why: 'incidents, violations, parking, workers and KPIs through ScopePolicy' },
  { path: '/api/live/kpis', scope: 'scoped', why: 'a worker\'s KPIs count their grid\'s cases and the cases assigned to them' },
  { path: '/api/live/workers/roster', scope: 'street-roles', why: 'the desk\'s roster (dispatcher, admin)' },
  // map layers and units
  { path: '/api/layers/extent', scope: 'scoped', why: 'the bounds and sizes of the layers the caller reads' },
  { path: '/api/layers/communities', scope: 'scoped', why: 'a worker sees their grid\'s community (layer-scope.ts)' },
  { path: '/api/layers/grids', scope: 'scoped', why: 'a worker sees their grid' },
  { path: '/api/layers/buildings', scope: 'scoped', why: 'a worker sees their grid\'s buildings' },
  { path: '/api/layers/facilities', scope: 'scoped', why: 'a worker sees facilities inside their grid polygon' },
  { path: '/api/layers/parking', scope: 'scoped', why: 'a worker sees parking inside their grid polygon' },
  { path: '/api/layers/violations', scope: 'scoped', why: 'a worker sees their grid\'s violations' },
  { path: '/api/layers/workers', scope: 'scoped', why: 'a worker sees their grid\'s workers' },
  { path: '/api/units/:level/:id', scope: 'scoped', why: 'a worker opens their grid, its buildings and its community; 404 otherwise' },
  { path: '/api/stats/daily', scope: 'scoped', why: 'a worker\'s trend counts their grid\'s cases' },
  // basemap (public geography)
  { path: '/api/basemap/style.json', scope: 'no-rows', why: 'the map style' },
  { path: '/api/basemap/features.geojson', scope: 'street-public', why: 'roads, water, green: public geography' },
  { path: '/api/basemap/labels', scope: 'street-public', why: 'road and place names: public geography' },
  { path: '/api/dataset', scope: 'scoped', why: 'what data the database holds, for the badge: counts of what the caller reads' },
  { path: '/api/public/basemap/style.json', scope: 'no-rows', why: 'the resident page\'s map style' },
  { path: '/api/public/basemap/features.geojson', scope: 'street-public', why: 'public geography for the resident page' },
  { path: '/api/public/area.geojson', scope: 'street-public', why: 'community outlines and names: public geography' },
  { path: '/api/public/reports/:code', scope: 'own', why: 'the tracking page of the report whose 50-bit code the caller holds' },
  // tiles and OGC
  { path: '/api/tiles/:layer.json', scope: 'scoped', why: 'TileJSON of a layer: bounds of what the caller reads' },
  { path: '/api/tiles/:layer/:z/:x/:y.mvt', scope: 'scoped', why: 'vector tiles through ScopePolicy, cached per scope' },
  { path: '/ogc', scope: 'no-rows', why: 'landing page' },
  { path: '/ogc/conformance', scope: 'no-rows', why: 'conformance classes' },
  { path: '/ogc/api', scope: 'no-rows', why: 'the OpenAPI document' },
  { path: '/ogc/collections', scope: 'scoped', why: 'collections with the extent of what the caller reads' },
  { path: '/ogc/collections/:collectionId', scope: 'scoped', why: 'one collection with the extent of what the caller reads' },
  { path: '/ogc/collections/:collectionId/schema', scope: 'no-rows', why: 'the property schema of a collection' },
  { path: '/ogc/collections/:collectionId/items', scope: 'scoped', why: 'features through ScopePolicy (layer-scope.ts)' },
  { path: '/ogc/collections/:collectionId/items/:featureId', scope: 'scoped', why: 'one feature; 404 outside scope' },
  // incidents, field, photos, Open311
  { path: '/api/incidents', scope: 'scoped', why: 'the case list through ScopePolicy.cases' },
  { path: '/api/incidents/:id', scope: 'scoped', why: 'one case; 404 outside scope (mayReadCase)' },
  { path: '/api/incidents/:id/candidates', scope: 'street-roles', why: 'assignment candidates for the desk and leaders' },
  { path: '/api/incidents/:id/photos', scope: 'scoped', why: 'photos of a case the caller may read; 404 otherwise' },
  { path: '/api/photos/:id', scope: 'scoped', why: 'a photo of a case the caller may read; 404 otherwise' },
  { path: '/api/photos/:id/thumb', scope: 'scoped', why: 'as /api/photos/:id' },
  { path: '/api/field/me', scope: 'own', why: 'the worker\'s own duty state and grid' },
  { path: '/api/field/tasks', scope: 'own', why: 'the cases assigned to the worker' },
  { path: '/api/field/tasks/:id', scope: 'scoped', why: 'a case of the worker\'s grid or assigned to them; 404 otherwise' },
  { path: '/api/field/tasks/:id/route', scope: 'scoped', why: 'walking route to a case the worker may read' },
  { path: '/open311/v2/discovery.:format', scope: 'no-rows', why: 'the endpoint description' },
  { path: '/open311/v2/services.:format', scope: 'no-rows', why: 'the service list' },
  { path: '/open311/v2/services/:code.:format', scope: 'no-rows', why: 'one service definition' },
  { path: '/open311/v2/requests.:format', scope: 'scoped', why: 'a worker\'s session lists their grid; keyless: public fields only' },
  { path: '/open311/v2/requests/:file', scope: 'scoped', why: 'one request; 404 outside a worker\'s grid' },
  // coverage and insight (street roles)
  { path: '/api/coverage/summary', scope: 'street-roles', why: 'street-wide coverage figures' },
  { path: '/api/coverage/uncovered', scope: 'street-roles', why: 'uncovered buildings of the street' },
  { path: '/api/coverage/isochrones', scope: 'street-roles', why: 'walking-time rings of the street' },
  { path: '/api/coverage/scenarios', scope: 'street-roles', why: 'saved what-if scenarios (planner, leader, admin)' },
  { path: '/api/coverage/scenarios/compare', scope: 'street-roles', why: 'scenario comparison' },
  { path: '/api/coverage/suggest', scope: 'street-roles', why: 'facility site suggestions' },
  { path: '/api/insight/meta', scope: 'street-roles', why: 'insight periods and categories' },
  { path: '/api/insight/hotspots', scope: 'street-roles', why: 'Gi* cells of the street' },
  { path: '/api/insight/density', scope: 'street-roles', why: 'incident density of the street' },
  { path: '/api/insight/playback', scope: 'street-roles', why: 'incident playback of the street' },
  { path: '/api/insight/rankings', scope: 'street-roles', why: 'grid and community rankings' },
  { path: '/api/insight/brief.xlsx', scope: 'street-roles', why: 'the leaders\' brief' },
  { path: '/api/insight/brief.csv', scope: 'street-roles', why: 'the leaders\' brief' },
  // The app's HTML shell: one static file for everyone; its data comes from the routes above.
  ...[...SPA_ROUTES, ...PUBLIC_SPA_ROUTES].map((path): RouteScopeRow => ({ path, scope: 'no-rows', why: 'the single-page app\'s HTML shell (only when the client is built)' })),
  ...CLIENT_ASSET_ROUTES.map((path): RouteScopeRow => ({ path, scope: 'no-rows', why: 'the built client\'s hashed files: code, no data (only when the client is built)' })),
];

/**
 * Where each event the server pushes goes (server → client). `scoped` = the street room gets all, a grid room
 * only its grid's, a person room the cases assigned to that person; `own` = only the socket it concerns.
 */
export const SOCKET_EVENT_SCOPES: Readonly<Record<string, { scope: RouteScope; why: string }>> = {
  'server:hello': { scope: 'no-rows', why: 'node id, newest event id and server time' },
  'events:appended': { scope: 'scoped', why: 'street room: every event; grid room: its grid\'s; person room: cases assigned to that worker (event-publisher.ts)' },
  'workers:positions': { scope: 'scoped', why: 'street room: every worker; grid room: its grid\'s workers (worker-positions.ts)' },
  'kpis:updated': { scope: 'street-roles', why: 'street KPIs go to the street room only; a worker reads their own over HTTP' },
  session_expired: { scope: 'own', why: 'sent to the socket whose session ended' },
};

export function routeScopeOf(path: string): RouteScopeRow | undefined {
  return ROUTE_SCOPES.find((r) => r.path === path);
}
