// REST for incident photos, mounted under /api:
//   POST /incidents/:id/photos?kind=report|before|after   raw image body (Content-Type image/jpeg|png|webp)
//   GET  /incidents/:id/photos                            the list (no image bytes)
//   GET  /photos/:id, /photos/:id/thumb                   the re-encoded image / its thumbnail
// Who may see and add photos is decided by photoAccess below, from the same scope rule as the case itself.
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { UserRole } from '../../common/domain';
import { AppError } from '../../common/errors';
import { PhotoKindQuerySchema, type PhotoKind } from '../../common/photos';
import { actorOf, getIdentity, requireRole, type Identity } from '../auth/identity';
import { scopeOf, type ScopePolicy } from '../auth/scope';
import { audit } from '../audit/audit';
import type { Db } from '../db/db';
import { parseOrThrow } from '../http/validate';
import { canSeeNames } from '../privacy/masking';
import { listPhotos, loadPhotoBytes, loadPhotoIncident, storePhoto, type PhotoIncident } from './photo-store';

/** Roles that may read the photos of a case they can see (the wall never: a screen in a room with visitors). */
export const PHOTO_READ_ROLES: UserRole[] = ['dispatcher', 'admin', 'leader', 'planner', 'worker'];
/** Roles that may add photos: intake and case work. */
export const PHOTO_WRITE_ROLES: UserRole[] = ['dispatcher', 'admin', 'worker'];

const IdParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'an id is a positive whole number').transform(Number) }).strict();
const IdempotencyKey = z.string().min(8).max(200).regex(/^[\x21-\x7e]+$/).optional();

/**
 * Whether `identity` may see this case's photos. A worker sees the photos of their own grid; a photo taken
 * in someone's home is for the roles that see names (and the grid's worker, who took it or works the case),
 * so a planner sees the street's photos except those.
 */
export function mayReadPhotos(identity: Pick<Identity, 'role'>, scope: ScopePolicy, incident: Pick<PhotoIncident, 'gridId' | 'assigneeId'>, privatePlace: boolean): boolean {
  if (!PHOTO_READ_ROLES.includes(identity.role)) return false;
  if (!mayOpenCase(scope, incident)) return false;
  if (privatePlace && identity.role !== 'worker' && !canSeeNames(identity.role)) return false;
  return true;
}

/** The case rule of the incident detail (ScopePolicy.mayReadCase): the worker's grid or their own task. */
function mayOpenCase(scope: ScopePolicy, incident: Pick<PhotoIncident, 'gridId' | 'assigneeId'>): boolean {
  return scope.mayReadCase({ grid_id: incident.gridId, assignee_id: incident.assigneeId });
}

/**
 * The case of a photo route, or 404 word for word as for a case that does not exist when it is outside the
 * caller's scope: a 403 here would tell a grid worker that another grid's case (and its photos) exists.
 */
async function caseInScope(db: Db, scope: ScopePolicy, id: number): Promise<PhotoIncident> {
  const incident = await loadPhotoIncident(db, id);
  if (!incident || !mayOpenCase(scope, incident)) throw new AppError('NOT_FOUND', `no incident with id ${id}`, 'params.id');
  return incident;
}

/** A worker adds report photos to a case they may open, and before/after photos only to a case assigned to them. */
function assertMayAdd(identity: Identity, incident: PhotoIncident, kind: PhotoKind): void {
  if (identity.role === 'worker' && kind !== 'report' && (identity.personId == null || incident.assigneeId !== identity.personId)) {
    throw new AppError('FORBIDDEN', 'before/after photos are added by the grid worker the case is assigned to');
  }
  if (incident.status === 'closed' || incident.status === 'rejected') {
    throw new AppError('INVALID_TRANSITION', `the case is ${incident.status}: photos can no longer be added`);
  }
}

export function photoRoutes(deps: { db: Db; maxBytes: number }): Router {
  const { db, maxBytes } = deps;
  const r = Router();
  // Read the body only up to the limit (a bigger upload is cut off while streaming, not buffered whole), and
  // say so with the photo's own code rather than the generic PAYLOAD_TOO_LARGE.
  const raw = express.raw({ type: () => true, limit: maxBytes });
  const rawBody: RequestHandler = (req, res, next) =>
    raw(req, res, (err?: unknown) => {
      if (err && (err as { type?: unknown }).type === 'entity.too.large') {
        return next(new AppError('PHOTO_TOO_LARGE', `the photo is larger than the limit of ${(maxBytes / 2 ** 20).toFixed(0)} MB — send a smaller photo`, 'body', { limitBytes: maxBytes }));
      }
      next(err);
    });

  r.post('/incidents/:id/photos', requireRole(...PHOTO_WRITE_ROLES), rawBody, async (req: Request, res: Response) => {
    const identity = getIdentity(req);
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    const { kind } = parseOrThrow(PhotoKindQuerySchema, req.query, 'query');
    const key = idempotencyKey(req);
    const incident = await caseInScope(db, scopeOf(req), id);
    assertMayAdd(identity, incident, kind);
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const stored = await storePhoto(db, { incidentId: id, kind, bytes, declaredType: req.get('content-type'), uploadedBy: actorOf(identity), idempotencyKey: key, maxBytes, ip: req.ip ?? null });
    if (stored.replayed) res.set('Idempotent-Replayed', 'true');
    res.status(stored.replayed ? 200 : 201).json(stored.dto);
  });

  r.get('/incidents/:id/photos', requireRole(...PHOTO_READ_ROLES), async (req, res) => {
    const identity = getIdentity(req);
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    const scope = scopeOf(req);
    const incident = await caseInScope(db, scope, id);
    const photos = (await listPhotos(db, id)).filter((p) => mayReadPhotos(identity, scope, incident, p.privatePlace));
    res.json({ items: photos });
  });

  for (const variant of ['image', 'thumb'] as const) {
    const path = variant === 'thumb' ? '/photos/:id/thumb' : '/photos/:id';
    r.get(path, requireRole(...PHOTO_READ_ROLES), async (req, res) => {
      const identity = getIdentity(req);
      const { id } = parseOrThrow(IdParams, req.params, 'params');
      const found = await loadPhotoBytes(db, id, variant);
      const incident = found && (await loadPhotoIncident(db, found.dto.incidentId));
      // Same answer for "no such photo" and "not yours": an id outside your scope tells you nothing.
      if (!found || !incident || !mayReadPhotos(identity, scopeOf(req), incident, found.dto.privatePlace)) {
        throw new AppError('NOT_FOUND', `no photo with id ${id} that you may see`, 'params.id');
      }
      if (found.dto.privatePlace) {
        await audit(db, { actor: actorOf(identity), action: 'photo.read_private', entityType: 'incident', entityId: incident.id, detail: { photoId: id, variant }, ip: req.ip });
      }
      res.set('Content-Type', 'image/jpeg');
      // Private: the photo may only be kept by this browser; immutable: a photo id never changes content.
      res.set('Cache-Control', 'private, max-age=86400, immutable');
      res.set('Content-Disposition', `inline; filename="${incident.code}-${id}${variant === 'thumb' ? '-thumb' : ''}.jpg"`);
      res.send(found.bytes);
    });
  }
  return r;
}

function idempotencyKey(req: Request): string | undefined {
  const parsed = IdempotencyKey.safeParse(req.get('idempotency-key'));
  if (!parsed.success) throw new AppError('VALIDATION_ERROR', 'header Idempotency-Key: 8–200 printable ASCII characters without spaces', 'header.idempotency-key');
  return parsed.data;
}
