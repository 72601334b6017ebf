// The client decides which pages are public (no session asked for at boot, no desk shell) from the same list
// the server serves without an account: a page added to one and not the other would either leak the desk's
// requests onto a resident's phone or lock residents out.
import { describe, expect, it } from 'vitest';
import { isPublicSpaPath, PUBLIC_SPA_ROUTES, SPA_ROUTES } from '../../common/spa-routes';

describe('isPublicSpaPath', () => {
  it('is true for every public route the server serves without an account', () => {
    for (const route of PUBLIC_SPA_ROUTES) expect(isPublicSpaPath(route.replace(':code', 'R7K2Q9')), route).toBe(true);
  });
  it('is false for every signed-in route and for look-alikes', () => {
    for (const route of SPA_ROUTES) expect(isPublicSpaPath(route), route).toBe(false);
    for (const path of ['/reports', '/reportx/1', '/admin/report', '/api/report']) expect(isPublicSpaPath(path), path).toBe(false);
  });
});
