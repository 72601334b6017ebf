// The public API of the report page. Requests never carry the staff session cookie (credentials: 'omit'):
// a dispatcher who opens /report in the same browser is a resident here, and the public routes need no
// CSRF token. The device id is random, kept in localStorage, and only keys the per-device rate limit.
import type { ApiErrorBody, ErrorCode } from '../../../../common/errors';
import type { ChallengeDto, ResidentPhotoAddedDto, ResidentReportCreatedDto, ResidentReportInput, TrackingDto } from '../../../../common/resident';
import type { PowReply, PowRequest } from './pow-worker';

export class PublicApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK' | 'NO_WEBCRYPTO',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'PublicApiError';
  }
}

const DEVICE_KEY = 'gcc.report.device';
const CODES_KEY = 'gcc.report.codes';

export function deviceId(): string {
  let id = window.localStorage.getItem(DEVICE_KEY);
  if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    id = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    window.localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

/** Codes this browser filed (newest first), so a resident can find their reports again. */
export function myCodes(): string[] {
  try {
    const v: unknown = JSON.parse(window.localStorage.getItem(CODES_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string').slice(0, 20) : [];
  } catch {
    return [];
  }
}

export function rememberCode(code: string): void {
  window.localStorage.setItem(CODES_KEY, JSON.stringify([code, ...myCodes().filter((c) => c !== code)].slice(0, 20)));
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, photo?: { blob: Blob; key: string }): Promise<T> {
  let res: Response;
  try {
    const type: Record<string, string> = photo
      ? { 'Content-Type': photo.blob.type, 'Idempotency-Key': photo.key }
      : body !== undefined
        ? { 'Content-Type': 'application/json' }
        : {};
    res = await fetch(path, {
      method,
      credentials: 'omit',
      headers: { Accept: 'application/json', 'X-Device-Id': deviceId(), ...type },
      body: photo ? photo.blob : body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new PublicApiError(0, 'NETWORK', (err as Error).message);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const e = (data as ApiErrorBody | undefined)?.error;
    throw new PublicApiError(res.status, e?.code ?? 'INTERNAL', e?.message ?? `HTTP ${res.status}`, e?.field);
  }
  return data as T;
}

/** Solves a challenge in a Web Worker; `onProgress` gets the number of hashes tried so far. */
export function solveInWorker(c: ChallengeDto, onProgress?: (tries: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pow-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<PowReply>) => {
      const m = e.data;
      if (m.type === 'progress') return onProgress?.(m.tries);
      worker.terminate();
      if (m.type === 'solved') resolve(m.nonce);
      else reject(new PublicApiError(0, m.message === 'no-webcrypto' ? 'NO_WEBCRYPTO' : 'INTERNAL', m.message));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new PublicApiError(0, 'INTERNAL', e.message));
    };
    worker.postMessage({ challenge: c.challenge, difficulty: c.difficulty } satisfies PowRequest);
  });
}

export const publicApi = {
  challenge: () => call<ChallengeDto>('POST', '/api/public/challenges', {}),
  report: (body: ResidentReportInput) => call<ResidentReportCreatedDto>('POST', '/api/public/reports', body),
  track: (code: string) => call<TrackingDto>('GET', `/api/public/reports/${encodeURIComponent(code)}`),
  rate: (code: string, satisfaction: number) => call<TrackingDto>('POST', `/api/public/reports/${encodeURIComponent(code)}/rating`, { satisfaction }),
  area: () => call<AreaCollection>('GET', '/api/public/area.geojson'),
  /** One photo of my report; `key` makes a retry after a lost answer store it once. */
  photo: (code: string, blob: Blob, key: string) =>
    call<ResidentPhotoAddedDto>('POST', `/api/public/reports/${encodeURIComponent(code)}/photos`, undefined, { blob, key }),
};

/** Types the server takes as they are; anything else (HEIC from a desktop, BMP…) is re-encoded here first. */
const SENDABLE = ['image/jpeg', 'image/png', 'image/webp'];
/** Larger files are scaled down before sending: the server keeps at most 2048 px anyway, and mobile data is dear. */
const SEND_AS_IS_BYTES = 4 * 2 ** 20;
const MAX_EDGE = 2048;

/**
 * The bytes to upload for a picked file: the file itself when the server takes it, else a JPEG drawn from it
 * on a canvas (which also drops its metadata; the server would drop it anyway, keeping time and place only
 * from an original it receives). Throws when the browser cannot decode the file at all.
 */
export async function preparePhoto(file: File): Promise<Blob> {
  if (SENDABLE.includes(file.type) && file.size <= SEND_AS_IS_BYTES) return file;
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('could not encode the photo'))), 'image/jpeg', 0.85));
}

export interface AreaFeature {
  type: 'Feature';
  id: number;
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
  properties: { name: string; level: 'community' };
}
export interface AreaCollection {
  type: 'FeatureCollection';
  features: AreaFeature[];
  bbox: [number, number, number, number] | null;
}

/** Ray casting over every ring (holes flip the answer back): the community a point falls in, client side. */
export function communityAt(area: AreaCollection, lon: number, lat: number): string | null {
  const inRing = (ring: number[][]) => {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
  const inPolygon = (rings: number[][][]) => rings.reduce((acc, r) => (inRing(r) ? !acc : acc), false);
  for (const f of area.features) {
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    if (polys.some(inPolygon)) return f.properties.name;
  }
  return null;
}
