// SIMULATION: generated photos for the simulated phones (and the photo benchmark). Real JPEG bytes made with
// sharp: a flat colour drawn from the case, the case code, the kind (整改前 / 整改后 / 上报) and the word
// SIMULATION written across it, so nobody takes one for a real photo of the street. Optionally with EXIF
// (capture time, GPS) like a phone's camera, which the server reads into its own columns and then strips.
import sharp from 'sharp';

export type SimPhotoKind = 'report' | 'before' | 'after';

export interface SimPhotoOptions {
  /** What is written on it (the case code, or a patrol tag). */
  label: string;
  kind: SimPhotoKind;
  width?: number;
  height?: number;
  /** EXIF DateTimeOriginal and GPS, as a phone camera writes them. */
  capturedAt?: Date;
  lon?: number;
  lat?: number;
  quality?: number;
}

const KIND_TEXT: Record<SimPhotoKind, string> = { report: 'REPORT 上报', before: 'BEFORE 整改前', after: 'AFTER 整改后' };
/** Hue per kind: before reddish, after greenish, report amber; the label shifts it a little. */
const KIND_HUE: Record<SimPhotoKind, number> = { report: 40, before: 5, after: 130 };

function hashOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/** EXIF "YYYY:MM:DD HH:MM:SS" in China Standard Time (the street's clock), with its offset tag. */
function exifTime(d: Date): { when: string; offset: string } {
  const local = new Date(d.getTime() + 8 * 3600_000).toISOString();
  return { when: `${local.slice(0, 10).replace(/-/g, ':')} ${local.slice(11, 19)}`, offset: '+08:00' };
}

/** EXIF GPS rational triple for a decimal degree, as the "d/1 m/1 s/100" strings sharp's withExif takes. */
function dms(v: number): string {
  const a = Math.abs(v);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = Math.round(((a - d) * 60 - m) * 60 * 100);
  return `${d}/1 ${m}/1 ${s}/100`;
}

/** A JPEG with the label drawn on it. */
export async function simPhotoJpeg(o: SimPhotoOptions): Promise<Buffer> {
  const width = o.width ?? 800;
  const height = o.height ?? 600;
  const h = hashOf(o.label);
  const hue = (KIND_HUE[o.kind] + (h % 30)) % 360;
  const fs = Math.round(height / 10);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="hsl(${hue},55%,55%)"/><stop offset="1" stop-color="hsl(${(hue + 25) % 360},60%,30%)"/>
  </linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#g)"/>
  <g font-family="Noto Sans CJK SC, DejaVu Sans, sans-serif" fill="#fff" text-anchor="middle">
    <text x="50%" y="${Math.round(height * 0.3)}" font-size="${fs}" font-weight="bold">SIMULATION 模拟</text>
    <text x="50%" y="${Math.round(height * 0.52)}" font-size="${Math.round(fs * 0.8)}">${escapeXml(o.label)}</text>
    <text x="50%" y="${Math.round(height * 0.72)}" font-size="${Math.round(fs * 0.7)}">${escapeXml(KIND_TEXT[o.kind])}</text>
  </g>
</svg>`;
  let img = sharp(Buffer.from(svg)).jpeg({ quality: o.quality ?? 80 });
  if (o.capturedAt || (o.lon !== undefined && o.lat !== undefined)) {
    const exif: Record<string, Record<string, string>> = { IFD0: { Make: 'SIMULATION', Model: 'npm run simulate' } };
    if (o.capturedAt) {
      const t = exifTime(o.capturedAt);
      exif.IFD2 = { DateTimeOriginal: t.when, OffsetTimeOriginal: t.offset };
    }
    if (o.lon !== undefined && o.lat !== undefined) {
      exif.IFD3 = { GPSLatitudeRef: o.lat >= 0 ? 'N' : 'S', GPSLatitude: dms(o.lat), GPSLongitudeRef: o.lon >= 0 ? 'E' : 'W', GPSLongitude: dms(o.lon) };
    }
    img = img.withExif(exif);
  }
  return img.toBuffer();
}
