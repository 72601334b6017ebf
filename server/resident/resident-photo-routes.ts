// A resident adds up to 3 photos to their own report (issue 13 item 5), with no account:
//   POST /api/public/reports/:code/photos   raw image body (Content-Type image/jpeg|png|webp)
//
// The tracking code (50 random bits, only its SHA-256 stored) is the credential, and it must come from the
// same device that filed the report (X-Device-Id, compared as its keyed hash) and within an hour of filing:
// a code read over someone's shoulder or found later cannot be used to attach pictures to a stranger's case.
// The bytes pass the same checks as every other photo (server/photos/photo-image.ts: type sniffed from the
// bytes, size limit, whole image, nothing appended, re-encoded without EXIF) and are stored as `report` photos
// of the incident, whose limit is 3 (PHOTO_LIMITS). What the public page ever gets back is a count: the photos
// themselves are read only through the staff routes (server/photos/photo-routes.ts, by case scope).
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { AppError } from '../../common/errors';
import { normalizeTrackingCode, type ResidentPhotoAddedDto } from '../../common/resident';
import { publicRoute } from '../auth/route-policy';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { parseOrThrow } from '../http/validate';
import { PHOTO_LIMITS, storePhoto } from '../photos/photo-store';
import { hashKeyOf, keyedHash, sha256Hex } from './resident-hashing';

/** After this long the report is the street's: no more photos from the public side. */
export const RESIDENT_PHOTO_WINDOW_MS = 60 * 60_000;

const CodeParams = z.object({ code: z.string().max(40, 'a tracking code has 10 characters') }).strict();
const NoQuery = z.object({}).strict();
const DeviceId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, '16–64 characters A–Z, a–z, 0–9, _ or -');
const IdempotencyKey = z.string().min(8).max(200).regex(/^[\x21-\x7e]+$/).optional();

interface ReportRow {
  incident_id: string | number;
  device_hash: string;
  created_at: Date | string;
  status: string;
}

export function residentPhotoRoutes(deps: { db: Db; clock: Clock; maxBytes: number }): Router {
  const { db, clock, maxBytes } = deps;
  const r = Router();

  // An upload is costly (decode + encode), so addresses are also bounded in memory per process; the durable
  // bound is the per-report limit of 3 times the durable per-device/per-address report limits.
  const uploadLimiter = rateLimit({
    windowMs: 60_000,
    limit: 12,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new AppError('RATE_LIMITED', 'too many photo uploads from this address; wait a minute', undefined, { retryAfterSeconds: 60 })),
  });
  const raw = express.raw({ type: () => true, limit: maxBytes });
  const rawBody: RequestHandler = (req, res, next) =>
    raw(req, res, (err?: unknown) => {
      if (err && (err as { type?: unknown }).type === 'entity.too.large') {
        return next(new AppError('PHOTO_TOO_LARGE', `the photo is larger than the limit of ${(maxBytes / 2 ** 20).toFixed(0)} MB — send a smaller photo`, 'body', { limitBytes: maxBytes }));
      }
      next(err);
    });

  r.post(
    '/api/public/reports/:code/photos',
    publicRoute('a resident adds up to 3 photos to their own report: tracking code + the filing device, within an hour'),
    uploadLimiter,
    rawBody,
    async (req: Request, res: Response) => {
      parseOrThrow(NoQuery, req.query, 'query');
      const { code: rawCode } = parseOrThrow(CodeParams, req.params, 'params');
      const device = DeviceId.safeParse(req.get('x-device-id'));
      if (!device.success) throw new AppError('VALIDATION_ERROR', 'header X-Device-Id is required (the report page sends it)', 'header.x-device-id');
      const key = IdempotencyKey.safeParse(req.get('idempotency-key'));
      if (!key.success) throw new AppError('VALIDATION_ERROR', 'header Idempotency-Key: 8–200 printable ASCII characters without spaces', 'header.idempotency-key');

      const code = normalizeTrackingCode(rawCode);
      const notFound = new AppError('NOT_FOUND', 'no report with this tracking code; check the code (10 letters and digits)', 'params.code');
      if (!code) throw notFound;
      const found = await db.query<ReportRow>(
        `SELECT r.incident_id, r.device_hash, r.created_at, i.status
           FROM resident_reports r JOIN incidents i ON i.id = r.incident_id WHERE r.code_hash = $1`,
        [sha256Hex(code)],
      );
      const row = found.rows[0];
      if (!row) throw notFound;
      const deviceHash = keyedHash(await hashKeyOf(db), 'device', device.data);
      if (deviceHash !== row.device_hash) {
        throw new AppError('FORBIDDEN', 'photos are added from the phone that sent the report', 'header.x-device-id');
      }
      if (clock.now().getTime() - new Date(row.created_at).getTime() > RESIDENT_PHOTO_WINDOW_MS) {
        throw new AppError('INVALID_TRANSITION', 'photos can be added within an hour of reporting; for more, please call the community', 'params.code');
      }
      if (row.status === 'closed' || row.status === 'rejected') {
        throw new AppError('INVALID_TRANSITION', 'this report is already finished: photos can no longer be added', 'params.code');
      }
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const stored = await storePhoto(db, {
        incidentId: Number(row.incident_id),
        kind: 'report',
        bytes,
        declaredType: req.get('content-type'),
        uploadedBy: `resident:${sha256Hex(code).slice(0, 12)}`,
        idempotencyKey: key.data === undefined ? undefined : `resident:${key.data}`,
        maxBytes,
        ip: null, // the raw address of a resident is never stored (PIPL minimal collection, as for reports)
      });
      const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incident_photos WHERE incident_id = $1 AND kind = 'report'`, [row.incident_id]);
      res.set('Cache-Control', 'no-store');
      if (stored.replayed) res.set('Idempotent-Replayed', 'true');
      // Only a count comes back: not the photo id, not its URL (the public never reads photos back).
      const answer: ResidentPhotoAddedDto = { photoCount: Number(count.rows[0].n), photoLimit: PHOTO_LIMITS.report };
      res.status(stored.replayed ? 200 : 201).json(answer);
    },
  );
  return r;
}
