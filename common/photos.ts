// Photos as evidence (issue 13 item 4): the shape shared by the server, the desk, the wall and the phone.
import { z } from 'zod';

export const PHOTO_KINDS = ['report', 'before', 'after'] as const;
/** report: sent with the report; before/after: 整改前/整改后, taken by whoever handles the case. */
export type PhotoKind = (typeof PHOTO_KINDS)[number];

export const PhotoKindQuerySchema = z.object({ kind: z.enum(PHOTO_KINDS).default('report') }).strict();

export interface PhotoDto {
  id: number;
  incidentId: number;
  kind: PhotoKind;
  /** Full image (a JPEG we re-encoded, ≤ 2048 px, no metadata). */
  url: string;
  /** 320 px thumbnail. */
  thumbUrl: string;
  width: number;
  height: number;
  /** When and where the camera says the photo was taken (from its EXIF, kept as fields), or null. */
  capturedAt: string | null;
  lon: number | null;
  lat: number | null;
  /** Taken at someone's home: readable by fewer roles, and every read is audited. */
  privatePlace: boolean;
  createdAt: string;
}

/** Payload of the `incident.photo_added` event: ids only (the image is fetched through the scoped route). */
export interface PhotoEventPayload {
  gridId: number | null;
  incidentId: number;
  photoId: number;
  kind: PhotoKind;
}
