// Photos of an incident, stored in the database (migration 130). The upload is checked and re-encoded before
// any transaction opens (server/photos/photo-image.ts), then the photo row, its event and its audit row commit
// together; the realtime publisher pushes the event only after that commit (ENGINEERING.md §3).
import { createHash } from 'node:crypto';
import type { PhotoDto, PhotoKind } from '../../common/photos';
import { AppError } from '../../common/errors';
import type { Db, Queryable } from '../db/db';
import { appendEvent } from '../events/append-event';
import { audit } from '../audit/audit';
import { processPhoto } from './photo-image';

/** At most this many photos of one kind per incident (a report: 3 like the resident page; before/after: 9). */
export const PHOTO_LIMITS: Readonly<Record<PhotoKind, number>> = { report: 3, before: 9, after: 9 };

/** Categories whose work happens in people's homes: their photos are sensitive and every read is audited. */
const PRIVATE_CATEGORIES = ['care', 'mediation', 'errand'];

export interface StorePhotoInput {
  incidentId: number;
  kind: PhotoKind;
  bytes: Buffer;
  declaredType: string | undefined;
  /** Actor id ("user:12", "resident:<hash>"). */
  uploadedBy: string;
  idempotencyKey?: string;
  maxBytes: number;
  ip?: string | null;
}

export interface StoredPhoto {
  dto: PhotoDto;
  /** True when the same idempotency key had already stored this photo: nothing new was written. */
  replayed: boolean;
}

interface PhotoRow {
  id: string | number;
  incident_id: string | number;
  kind: PhotoKind;
  width: number;
  height: number;
  captured_at: Date | string | null;
  lon: number | null;
  lat: number | null;
  private_place: boolean;
  created_at: Date | string;
}

const PHOTO_COLUMNS = 'id, incident_id, kind, width, height, captured_at, lon, lat, private_place, created_at';

function iso(v: Date | string | null): string | null {
  if (v == null) return null;
  return v instanceof Date ? v.toISOString() : new Date(v).toISOString();
}

export function toPhotoDto(r: PhotoRow): PhotoDto {
  const id = Number(r.id);
  return {
    id,
    incidentId: Number(r.incident_id),
    kind: r.kind,
    url: `/api/photos/${id}`,
    thumbUrl: `/api/photos/${id}/thumb`,
    width: r.width,
    height: r.height,
    capturedAt: iso(r.captured_at),
    lon: r.lon,
    lat: r.lat,
    privatePlace: r.private_place,
    createdAt: iso(r.created_at) ?? '',
  };
}

/** The facts about an incident that decide who may see and add its photos. */
export interface PhotoIncident {
  id: number;
  code: string;
  gridId: number | null;
  assigneeId: number | null;
  status: string;
  privatePlace: boolean;
}

export async function loadPhotoIncident(q: Queryable, incidentId: number): Promise<PhotoIncident | undefined> {
  const res = await q.query<{ id: string | number; code: string; grid_id: number | null; assignee_id: number | null; status: string; private_place: boolean }>(
    `SELECT i.id, i.code, i.grid_id, i.assignee_id, i.status,
            (i.category = ANY($2::text[]) OR EXISTS (
               SELECT 1 FROM buildings b WHERE b.use IN ('residential', 'mixed') AND ST_Contains(b.geom, i.geom))) AS private_place
       FROM incidents i WHERE i.id = $1`,
    [incidentId, PRIVATE_CATEGORIES],
  );
  const r = res.rows[0];
  return r && { id: Number(r.id), code: r.code, gridId: r.grid_id, assigneeId: r.assignee_id, status: r.status, privatePlace: r.private_place };
}

/**
 * A 整改后 (after) photo shows the finished work of a case being handled: it is added while the case is in
 * progress (处置中, a rework included), before the resolution that the verifier checks against it. On a case not
 * yet started there is no work to show, and once resolved the verifier's evidence must not change under them.
 */
function assertKindFitsStatus(kind: PhotoKind, status: string): void {
  if (kind === 'after' && status !== 'in_progress') {
    throw new AppError('INVALID_TRANSITION', `an after (整改后) photo is added while the case is in progress; this case is ${status}${status === 'assigned' ? ' — start it first' : ''}`, 'query.kind', { status });
  }
}

/**
 * Checks, re-encodes and stores one photo. A retry with the same idempotency key returns the first copy
 * (checked again inside the transaction, so two concurrent retries still store one photo).
 */
export async function storePhoto(db: Db, input: StorePhotoInput): Promise<StoredPhoto> {
  if (input.idempotencyKey) {
    const earlier = await findByKey(db, input.incidentId, input.idempotencyKey);
    if (earlier) return { dto: earlier, replayed: true };
  }
  const photo = await processPhoto(input.bytes, input.declaredType, input.maxBytes);
  const sha256 = createHash('sha256').update(input.bytes).digest('hex');
  return db.transaction(async (tx) => {
    // One writer per incident at a time: the count limit and the key check below cannot race.
    const locked = await tx.query<{ grid_id: number | null; status: string; private_place: boolean }>(
      `SELECT i.grid_id, i.status, (i.category = ANY($2::text[]) OR EXISTS (
                SELECT 1 FROM buildings b WHERE b.use IN ('residential', 'mixed') AND ST_Contains(b.geom, i.geom))) AS private_place
         FROM incidents i WHERE i.id = $1 FOR UPDATE OF i`,
      [input.incidentId, PRIVATE_CATEGORIES],
    );
    const incident = locked.rows[0];
    if (!incident) throw new AppError('NOT_FOUND', `no incident with id ${input.incidentId}`, 'params.id');
    if (input.idempotencyKey) {
      const earlier = await findByKey(tx, input.incidentId, input.idempotencyKey);
      if (earlier) return { dto: earlier, replayed: true };
    }
    // Checked under the row lock (a resolve cannot slip in between) and after the replay check (a photo stored
    // while the case was in progress is still answered as stored when the phone resends it after resolving).
    assertKindFitsStatus(input.kind, incident.status);
    const count = await tx.query<{ n: string | number }>(
      'SELECT count(*) AS n FROM incident_photos WHERE incident_id = $1 AND kind = $2',
      [input.incidentId, input.kind],
    );
    const limit = PHOTO_LIMITS[input.kind];
    if (Number(count.rows[0].n) >= limit) {
      throw new AppError('PHOTO_LIMIT', `this case already has ${limit} "${input.kind}" photos, the most it keeps`, 'query.kind', { limit });
    }
    const ins = await tx.query<PhotoRow>(
      `INSERT INTO incident_photos (incident_id, kind, image, thumb, width, height, input_type, input_bytes, sha256,
                                    captured_at, lon, lat, private_place, uploaded_by, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       RETURNING ${PHOTO_COLUMNS}`,
      [input.incidentId, input.kind, photo.jpeg, photo.thumb, photo.width, photo.height, photo.inputType, input.bytes.length, sha256,
       photo.capturedAt, photo.lon, photo.lat, incident.private_place, input.uploadedBy, input.idempotencyKey ?? null],
    );
    const dto = toPhotoDto(ins.rows[0]);
    // The event carries no image and no position: the desk refetches the list through the scoped route.
    await appendEvent(tx, {
      type: 'incident.photo_added',
      entityType: 'incident',
      entityId: input.incidentId,
      actor: input.uploadedBy,
      payload: { gridId: incident.grid_id, incidentId: input.incidentId, photoId: dto.id, kind: dto.kind },
    });
    await audit(tx, { actor: input.uploadedBy, action: 'incident.photo_add', entityType: 'incident', entityId: input.incidentId, detail: { photoId: dto.id, kind: dto.kind, bytes: input.bytes.length, sha256 }, ip: input.ip ?? null });
    return { dto, replayed: false };
  });
}

async function findByKey(q: Queryable, incidentId: number, key: string): Promise<PhotoDto | undefined> {
  const res = await q.query<PhotoRow>(`SELECT ${PHOTO_COLUMNS} FROM incident_photos WHERE incident_id = $1 AND idempotency_key = $2`, [incidentId, key]);
  return res.rows[0] && toPhotoDto(res.rows[0]);
}

export async function listPhotos(q: Queryable, incidentId: number): Promise<PhotoDto[]> {
  const res = await q.query<PhotoRow>(`SELECT ${PHOTO_COLUMNS} FROM incident_photos WHERE incident_id = $1 ORDER BY id`, [incidentId]);
  return res.rows.map(toPhotoDto);
}

export interface PhotoBytes {
  dto: PhotoDto;
  bytes: Buffer;
}

/** One photo (or its thumbnail) with its row; undefined when there is no such photo. */
export async function loadPhotoBytes(q: Queryable, photoId: number, variant: 'image' | 'thumb'): Promise<PhotoBytes | undefined> {
  const column = variant === 'thumb' ? 'thumb' : 'image'; // an identifier from a two-value allow-list
  const res = await q.query<PhotoRow & { bytes: Uint8Array }>(`SELECT ${PHOTO_COLUMNS}, ${column} AS bytes FROM incident_photos WHERE id = $1`, [photoId]);
  const r = res.rows[0];
  return r && { dto: toPhotoDto(r), bytes: Buffer.from(r.bytes) };
}
