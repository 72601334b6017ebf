// The paths the single-page app answers with its HTML shell, shared by the server (app.ts serves them, the
// scope declarations in server/auth/route-scope.ts list them) and the client (which page a path is, and
// whether it has a session to ask for at boot), so that the two cannot disagree about which pages are public.

/** Client routes served by the single-page app (signed-in screens and the sign-in page). */
export const SPA_ROUTES = ['/', '/wall', '/dispatch', '/plan', '/insight', '/admin', '/admin/import', '/login', '/m'];
/** The resident's report page; its tracking pages are `/report/<code>`. */
export const PUBLIC_REPORT_PATH = '/report';
/** The public report page and its tracking pages (no account). */
export const PUBLIC_SPA_ROUTES = [PUBLIC_REPORT_PATH, `${PUBLIC_REPORT_PATH}/:code`];

/** Whether a browser path is one of the public pages (no session, no desk). */
export function isPublicSpaPath(pathname: string): boolean {
  return pathname === PUBLIC_REPORT_PATH || pathname.startsWith(`${PUBLIC_REPORT_PATH}/`);
}
