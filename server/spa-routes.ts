// The paths the single-page app answers with its HTML shell (served only when the client is built, dist/client).
// Shared by app.ts, which serves them, and the scope declarations (auth/route-scope.ts), which list them.

/** Client routes served by the single-page app (signed-in screens and the sign-in page). */
export const SPA_ROUTES = ['/', '/wall', '/dispatch', '/plan', '/insight', '/admin', '/admin/import', '/login', '/m'];
/** The public report page and its tracking pages (no account). */
export const PUBLIC_SPA_ROUTES = ['/report', '/report/:code'];
/** The built client's hashed files (server/http/static-client.ts; served only when the client is built). */
export const CLIENT_ASSET_ROUTES = ['/assets/:name'];
