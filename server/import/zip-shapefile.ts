// A zipped shapefile (.zip holding .shp + .dbf + .prj [+ .cpg]) as the admin import page receives it, unpacked
// next to the upload with node:zlib alone. Read from disk: the central directory (small) is read whole, each
// member is streamed through inflate into its own file, and its CRC-32 and size are checked, so a truncated or
// corrupt archive is refused with IMPORT_FAILED instead of yielding a half file to the shapefile reader.
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { AppError } from '../../common/errors';

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const WANTED = ['.shp', '.dbf', '.prj', '.cpg', '.shx'];

interface Entry { name: string; method: number; crc: number; compressed: number; size: number; offset: number }

const corrupt = (why: string) => new AppError('IMPORT_FAILED', `the zip file is truncated or corrupt (${why}): upload the whole .zip again`, 'file');

async function readAt(file: string, position: number, length: number): Promise<Buffer> {
  const h = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await h.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

async function entriesOf(file: string): Promise<Entry[]> {
  const { size } = await stat(file);
  const tailLen = Math.min(size, 22 + 0xffff);
  const tail = await readAt(file, size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD_SIG) { eocd = i; break; }
  if (eocd < 0) throw corrupt('no end-of-archive record');
  const count = tail.readUInt16LE(eocd + 10);
  const cenSize = tail.readUInt32LE(eocd + 12);
  const cenOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cenOffset === 0xffffffff) throw new AppError('IMPORT_FAILED', 'ZIP64 archives are not supported: zip the shapefile with ordinary zip (it is far below 4 GB)', 'file');
  if (cenOffset + cenSize > size) throw corrupt('the directory points past the end of the file');
  const cen = await readAt(file, cenOffset, cenSize);
  const out: Entry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cen.length || cen.readUInt32LE(p) !== CEN_SIG) throw corrupt('bad directory entry');
    const nameLen = cen.readUInt16LE(p + 28);
    const extraLen = cen.readUInt16LE(p + 30);
    const commentLen = cen.readUInt16LE(p + 32);
    out.push({
      method: cen.readUInt16LE(p + 10), crc: cen.readUInt32LE(p + 16), compressed: cen.readUInt32LE(p + 20),
      size: cen.readUInt32LE(p + 24), offset: cen.readUInt32LE(p + 42), name: cen.toString('utf8', p + 46, p + 46 + nameLen),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Counts bytes and computes CRC-32 of what passes through (zlib.crc32, Node ≥ 20.15). */
class Check extends Transform {
  crc = 0;
  bytes = 0;
  constructor(private readonly limit: number) { super(); }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) { cb(corrupt('a member is larger than it says')); return; }
    this.crc = zlib.crc32(chunk, this.crc);
    cb(null, chunk);
  }
}

/**
 * Unpacks the one shapefile in `zipFile` into `dir`; returns the path of its .shp. Members of other types
 * and macOS resource forks are skipped; a zip with no or several .shp files is refused saying so.
 */
export async function unzipShapefile(zipFile: string, dir: string, maxBytes: number): Promise<string> {
  const outStem = path.basename(zipFile).replace(/\.zip$/i, '');
  const entries = (await entriesOf(zipFile)).filter((e) => !e.name.endsWith('/') && !e.name.startsWith('__MACOSX/') && !path.basename(e.name).startsWith('._'));
  const shps = entries.filter((e) => e.name.toLowerCase().endsWith('.shp'));
  if (shps.length === 0) throw new AppError('IMPORT_FAILED', `the zip holds no .shp file (it holds: ${entries.map((e) => e.name).slice(0, 10).join(', ') || 'nothing'}); zip the .shp with its .dbf and .prj`, 'file');
  if (shps.length > 1) throw new AppError('IMPORT_FAILED', `the zip holds ${shps.length} shapefiles (${shps.map((e) => e.name).join(', ')}); upload one layer per zip`, 'file');
  const stem = shps[0].name.slice(0, -4);
  let total = 0;
  let shpPath = '';
  for (const e of entries) {
    const ext = path.extname(e.name).toLowerCase();
    if (e.name.slice(0, -ext.length) !== stem || !WANTED.includes(ext)) continue;
    if (e.method !== 0 && e.method !== 8) throw new AppError('IMPORT_FAILED', `${e.name} is compressed with method ${e.method}; only stored or deflated zips are read`, 'file');
    total += e.size;
    if (total > maxBytes) throw new AppError('IMPORT_TOO_LARGE', `the unpacked shapefile is larger than the limit of ${Math.round(maxBytes / 2 ** 20)} MB`, 'file');
    const loc = await readAt(zipFile, e.offset, 30);
    if (loc.length < 30 || loc.readUInt32LE(0) !== LOC_SIG) throw corrupt(`no local header for ${e.name}`);
    const start = e.offset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
    const out = path.join(dir, `${outStem}${ext}`);
    const check = new Check(e.size);
    const source = () => createReadStream(zipFile, { start, end: start + e.compressed - 1 });
    try {
      if (e.compressed === 0) await pipeline(Readable.from([]), check, createWriteStream(out));
      else if (e.method === 8) await pipeline(source(), zlib.createInflateRaw(), check, createWriteStream(out));
      else await pipeline(source(), check, createWriteStream(out));
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw corrupt(`${e.name}: ${(err as Error).message}`);
    }
    if (check.bytes !== e.size || (check.crc >>> 0) !== (e.crc >>> 0)) throw corrupt(`${e.name} fails its checksum`);
    if (ext === '.shp') shpPath = out;
  }
  return shpPath;
}
