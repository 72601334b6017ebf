// The paths the single-page app answers with its HTML shell (served only when the client is built, dist/client).
// The page routes live in common/ because the client decides from the same list which pages are public; the
// asset route is the server's alone.
export { PUBLIC_SPA_ROUTES, SPA_ROUTES } from '../common/spa-routes';

/** The built client's hashed files (server/http/static-client.ts; served only when the client is built). */
export const CLIENT_ASSET_ROUTES = ['/assets/:name'];
