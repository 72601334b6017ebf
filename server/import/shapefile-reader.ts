// ESRI Shapefile (.shp + .dbf, .prj, .cpg) with the `shapefile` package. The coordinate system comes from the
// .prj: it must be geographic WGS84 (or CGCS2000, which agrees with WGS84 to a few centimetres); projected or
// other systems are refused with what the .prj says. Without a .prj we do not guess: the user must say
// `--crs` explicitly. Z and M shape types are refused (we store 2D and drop nothing silently).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import shapefile from 'shapefile';
import { AppError } from '../../common/errors';
import { readNonEmpty } from './read-file';
import type { RawFeature } from './types';

const Z_TYPES = new Set([11, 13, 15, 18]);
const M_TYPES = new Set([21, 23, 25, 28]);
const SUPPORTED = new Set([0, 1, 3, 5, 8]);

async function optional(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch {
    return null;
  }
}

/** Checks a .prj (ESRI WKT); returns warnings, throws IMPORT_FAILED when it is not WGS84 lon/lat. */
export function checkPrj(wkt: string, name: string): string[] {
  const text = wkt.trim();
  const head = /^\s*([A-Z_]+)\s*\[\s*"([^"]*)"/i.exec(text);
  if (!head) throw new AppError('IMPORT_FAILED', `${name}: cannot read the .prj (not WKT): ${text.slice(0, 80)}`, 'prj');
  const [, kind, crsName] = head;
  if (/^PROJCS$|^PROJCRS$/i.test(kind)) {
    throw new AppError('IMPORT_FAILED', `${name} is in a projected coordinate system ("${crsName}"): reproject it to WGS84 longitude/latitude (EPSG:4326) first, e.g. ogr2ogr -t_srs EPSG:4326 out.shp in.shp`, 'prj');
  }
  if (!/^GEOGCS$|^GEOGCRS$/i.test(kind)) throw new AppError('IMPORT_FAILED', `${name}: unsupported .prj (${kind} "${crsName}")`, 'prj');
  if (/WGS[_ ]?(19)?84|World Geodetic System 1984/i.test(text)) return [];
  if (/China[_ ]Geodetic[_ ]Coordinate[_ ]System[_ ]2000|CGCS[_ ]?2000/i.test(text)) {
    return [`${name}: CGCS2000 coordinates taken as WGS84 (they agree to a few centimetres)`];
  }
  throw new AppError('IMPORT_FAILED', `${name} uses the geographic system "${crsName}", not WGS84: reproject it to EPSG:4326 first`, 'prj');
}

function encodingOf(cpg: Buffer | null): string {
  const v = cpg?.toString('latin1').trim().toLowerCase();
  if (!v) return 'utf-8';
  if (v === '936' || v === 'gbk' || v === 'cp936' || v === 'gb2312') return 'gbk';
  if (v === '65001' || v === 'utf8') return 'utf-8';
  return v;
}

export async function readShapefile(file: string, opts: { crsExplicit: boolean }): Promise<{ features: RawFeature[]; warnings: string[] }> {
  const name = path.basename(file);
  const shp = await readNonEmpty(file);
  if (shp.length < 100 || shp.readInt32BE(0) !== 9994) throw new AppError('IMPORT_FAILED', `${name} is not an ESRI shapefile (bad file code)`, 'file');
  const declaredBytes = shp.readInt32BE(24) * 2;
  if (shp.length < declaredBytes) throw new AppError('IMPORT_FAILED', `${name} is truncated: its header says ${declaredBytes} bytes, the file has ${shp.length}`, 'file');
  const shapeType = shp.readInt32LE(32);
  if (Z_TYPES.has(shapeType) || M_TYPES.has(shapeType)) {
    throw new AppError('INVALID_GEOMETRY', `${name} has ${Z_TYPES.has(shapeType) ? 'Z' : 'M'} values (shape type ${shapeType}); only 2D shapes are stored and nothing is dropped silently — export it as 2D first`, 'file');
  }
  if (!SUPPORTED.has(shapeType)) throw new AppError('IMPORT_FAILED', `${name}: shape type ${shapeType} is not supported`, 'file');
  const stem = file.replace(/\.shp$/i, '');
  const warnings: string[] = [];
  const prj = await optional(`${stem}.prj`);
  if (prj) warnings.push(...checkPrj(prj.toString('utf8'), name));
  else if (!opts.crsExplicit) {
    throw new AppError('IMPORT_FAILED', `${name} has no .prj file, so its coordinate system is unknown: add the .prj, or pass --crs wgs84|gcj02|bd09 explicitly if you know the coordinates are longitude/latitude in that system`, 'prj');
  } else warnings.push(`${name} has no .prj: coordinates taken in the CRS given with --crs`);
  const dbf = await optional(`${stem}.dbf`);
  if (!dbf) warnings.push(`${name} has no .dbf: features have no attributes`);
  let fc;
  try {
    fc = await shapefile.read(new Uint8Array(shp), dbf ? new Uint8Array(dbf) : null, { encoding: encodingOf(await optional(`${stem}.cpg`)) });
  } catch (err) {
    throw new AppError('IMPORT_FAILED', `${name} cannot be read (corrupt or truncated): ${(err as Error).message}`, 'file');
  }
  return {
    warnings,
    features: fc.features.map((f, index) => ({ index, geometry: f.geometry, properties: (f.properties ?? {}) as Record<string, unknown> })),
  };
}
