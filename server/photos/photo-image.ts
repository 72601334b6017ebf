// What makes an uploaded photo safe to keep and show (issue 13 item 4): its type is read from its bytes,
// never from the header; it must end where its own format says it ends (nothing smuggled after it); it must
// decode completely; and what is stored is a fresh JPEG encoded by us, so no EXIF, maker notes, embedded
// thumbnails or appended payloads survive. Capture time and position are read from the EXIF first and kept
// as separate fields: they are evidence (when and where the photo was taken) and nothing else is.
//
// sharp (libvips) does the decoding and encoding: it is the maintained, streaming, bomb-limited image library of
// the Node ecosystem, ships prebuilt binaries through the npm registry, and decodes JPEG, PNG, WebP and HEIC.
// exifr reads EXIF tags without decoding the image.
import sharp from 'sharp';
import exifr from 'exifr';
import { AppError } from '../../common/errors';

export type PhotoInputType = 'image/jpeg' | 'image/png' | 'image/webp';
export const PHOTO_INPUT_TYPES: readonly PhotoInputType[] = ['image/jpeg', 'image/png', 'image/webp'];

/** Pixels above this are refused before decoding (a 50 MP phone photo passes; a decompression bomb does not). */
const MAX_INPUT_PIXELS = 60_000_000;
/** Long edge of the stored photo and of its thumbnail: phones send 12–50 MP, the desk never needs more. */
export const PHOTO_MAX_EDGE = 2048;
export const THUMB_EDGE = 320;

export interface ProcessedPhoto {
  /** Freshly encoded JPEG without metadata. */
  jpeg: Buffer;
  thumb: Buffer;
  width: number;
  height: number;
  /** From EXIF DateTimeOriginal (+ OffsetTimeOriginal, else China Standard Time), ISO 8601; null if absent. */
  capturedAt: string | null;
  lon: number | null;
  lat: number | null;
  inputType: PhotoInputType;
}

/** The format the bytes are, from their magic numbers, or null. */
export function sniffImageType(bytes: Buffer): PhotoInputType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Where the image ends by its own format's rules, or null when the structure is broken (truncated).
 * A JPEG is walked marker by marker (an EXIF thumbnail's own end marker inside APP1 does not end it).
 */
export function imageEnd(bytes: Buffer, type: PhotoInputType): number | null {
  if (type === 'image/png') return pngEnd(bytes);
  if (type === 'image/webp') return webpEnd(bytes);
  return jpegEnd(bytes);
}

function pngEnd(b: Buffer): number | null {
  let i = 8;
  while (i + 12 <= b.length) {
    const len = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    const next = i + 12 + len;
    if (next > b.length) return null;
    if (type === 'IEND') return next;
    i = next;
  }
  return null;
}

function webpEnd(b: Buffer): number | null {
  const size = b.readUInt32LE(4);
  const end = 8 + size + (size % 2);
  return end <= b.length ? end : null;
}

function jpegEnd(b: Buffer): number | null {
  let i = 2; // after SOI
  while (i + 2 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) { i += 1; continue; } // fill byte
    if (marker === 0xd9) return i + 2; // EOI
    if (marker >= 0xd0 && marker <= 0xd7) { i += 2; continue; }
    if (i + 4 > b.length) return null;
    const len = b.readUInt16BE(i + 2);
    if (len < 2) return null;
    i += 2 + len;
    if (marker === 0xda) {
      // Entropy-coded data runs until a marker that is neither a stuffed 0x00 nor a restart marker.
      while (i + 1 < b.length) {
        if (b[i] === 0xff && b[i + 1] !== 0x00 && !(b[i + 1] >= 0xd0 && b[i + 1] <= 0xd7)) break;
        i += 1;
      }
      if (i + 1 >= b.length) return null;
    }
  }
  return null;
}

/** Refuses what is not a whole, single image of an accepted type; returns its type. */
export function checkUpload(bytes: Buffer, declaredType: string | undefined, maxBytes: number): PhotoInputType {
  if (bytes.length === 0) throw new AppError('PHOTO_EMPTY', 'the photo is empty (0 bytes): take or choose the photo again', 'body');
  if (bytes.length > maxBytes) {
    throw new AppError('PHOTO_TOO_LARGE', `the photo is ${(bytes.length / 2 ** 20).toFixed(1)} MB; the limit is ${(maxBytes / 2 ** 20).toFixed(0)} MB — send a smaller photo`, 'body', { limitBytes: maxBytes });
  }
  const sniffed = sniffImageType(bytes);
  if (!sniffed) {
    throw new AppError('PHOTO_TYPE_UNSUPPORTED', 'this file is not a JPEG, PNG or WebP photo (HEIC photos: let the phone send them as JPEG, which the camera input does)', 'body');
  }
  const declared = (declaredType ?? '').split(';')[0].trim().toLowerCase();
  if (declared !== sniffed) {
    throw new AppError('PHOTO_TYPE_UNSUPPORTED', `the file is ${sniffed} but was sent as "${declared || 'no type'}": send it with Content-Type ${sniffed}`, 'header.content-type', { sniffed, declared });
  }
  const end = imageEnd(bytes, sniffed);
  if (end === null) throw new AppError('PHOTO_CORRUPT', 'the photo is cut off (truncated upload?): send it again', 'body', { reason: 'truncated' });
  if (hasPayloadAfter(bytes, end)) {
    throw new AppError('PHOTO_CORRUPT', 'the photo has other data appended after the image (a file that is two things at once is refused): save it again as a plain photo', 'body', { reason: 'trailing_data', imageBytes: end, fileBytes: bytes.length });
  }
  return sniffed;
}

/** Zero padding after the end is harmless (some encoders write it); anything else is a second payload. */
function hasPayloadAfter(bytes: Buffer, end: number): boolean {
  for (let i = end; i < bytes.length; i++) if (bytes[i] !== 0x00) return true;
  return false;
}

/** Checks, decodes and re-encodes an upload. Throws a coded AppError for anything unusable. */
export async function processPhoto(bytes: Buffer, declaredType: string | undefined, maxBytes: number): Promise<ProcessedPhoto> {
  const inputType = checkUpload(bytes, declaredType, maxBytes);
  const meta = await readCaptureMeta(bytes);
  try {
    // failOn 'warning': libvips warns on truncated or damaged scans; a damaged photo is not evidence.
    const base = sharp(bytes, { failOn: 'warning', limitInputPixels: MAX_INPUT_PIXELS }).rotate();
    const { data: jpeg, info } = await base
      .clone()
      .resize({ width: PHOTO_MAX_EDGE, height: PHOTO_MAX_EDGE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    const thumb = await base
      .clone()
      .resize({ width: THUMB_EDGE, height: THUMB_EDGE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 72 })
      .toBuffer();
    return { jpeg, thumb, width: info.width, height: info.height, ...meta, inputType };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/pixel limit/i.test(message)) {
      throw new AppError('PHOTO_TOO_LARGE', `the photo has more than ${MAX_INPUT_PIXELS / 1e6} million pixels`, 'body', { reason: 'pixels' });
    }
    throw new AppError('PHOTO_CORRUPT', 'the photo could not be decoded (damaged file): send it again', 'body', { reason: 'undecodable' });
  }
}

interface CaptureMeta { capturedAt: string | null; lon: number | null; lat: number | null }

async function readCaptureMeta(bytes: Buffer): Promise<CaptureMeta> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await exifr.parse(bytes, { reviveValues: false, gps: true, tiff: true, exif: true, pick: ['DateTimeOriginal', 'OffsetTimeOriginal', 'GPSLatitude', 'GPSLatitudeRef', 'GPSLongitude', 'GPSLongitudeRef'] });
  } catch {
    tags = undefined; // unreadable EXIF is not a reason to refuse the photo, only to keep no capture fields
  }
  let gps: { latitude?: number; longitude?: number } | undefined;
  try {
    gps = tags ? await exifr.gps(bytes) : undefined;
  } catch {
    gps = undefined;
  }
  const lat = finiteIn(gps?.latitude, 90);
  const lon = finiteIn(gps?.longitude, 180);
  return { capturedAt: exifDate(tags?.DateTimeOriginal, tags?.OffsetTimeOriginal), lon: lat === null ? null : lon, lat: lon === null ? null : lat };
}

function finiteIn(v: unknown, bound: number): number | null {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= bound ? v : null;
}

/** EXIF "YYYY:MM:DD HH:MM:SS" + optional "+08:00" → ISO 8601. Cameras in China without an offset tag are on CST. */
export function exifDate(value: unknown, offset: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.trim());
  if (!m) return null;
  const off = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim()) ? offset.trim() : '+08:00';
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${off}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
