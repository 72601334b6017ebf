// GeoJSON (RFC 7946) FeatureCollection or single Feature, or a bare array of Features (as published by web maps). RFC 7946 is WGS84 lon/lat by definition; an old
// (2008-spec) `crs` member is accepted only when it names WGS84, and a file whose features or geometries
// declare different CRSs is rejected rather than guessed at.
import { AppError } from '../../common/errors';
import { readNonEmpty, textOf } from './read-file';
import type { RawFeature } from './types';

const WGS84_NAMES = [/^urn:ogc:def:crs:OGC:1\.3:CRS84$/i, /^(urn:ogc:def:crs:)?EPSG:{0,2}(6\.\d+:)?:?4326$/i, /^CRS84$/i, /^WGS ?84$/i];

function crsName(crs: unknown, field: string): string {
  const c = crs as { type?: unknown; properties?: { name?: unknown } } | null;
  if (c && typeof c === 'object' && c.type === 'name' && typeof c.properties?.name === 'string') return c.properties.name;
  throw new AppError('IMPORT_FAILED', `${field}: unsupported "crs" member (only named CRSs are understood); RFC 7946 GeoJSON has no crs member and is WGS84`, field);
}

function checkWgs84(name: string, field: string): void {
  if (!WGS84_NAMES.some((re) => re.test(name.trim()))) {
    throw new AppError('IMPORT_FAILED', `${field}: the file declares CRS "${name}"; only WGS84 longitude/latitude (CRS84 / EPSG:4326) is accepted — reproject it first (e.g. ogr2ogr -t_srs EPSG:4326), or for GCJ-02/BD-09 lon/lat use --crs`, field);
  }
}

export async function readGeoJson(file: string): Promise<RawFeature[]> {
  const text = textOf(await readNonEmpty(file));
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new AppError('IMPORT_FAILED', `not valid JSON: ${(err as Error).message}`, 'file');
  }
  // Several Chinese web-map boundary sources publish a bare JSON array of Features: read it as a collection.
  if (Array.isArray(doc)) doc = { type: 'FeatureCollection', features: doc };
  if (!doc || typeof doc !== 'object') throw new AppError('IMPORT_FAILED', 'a GeoJSON file must hold a FeatureCollection, a Feature or an array of Features', 'type');
  const root = doc as { type?: unknown; features?: unknown; crs?: unknown };
  let rootCrs: string | undefined;
  if (root.crs !== undefined && root.crs !== null) {
    rootCrs = crsName(root.crs, 'crs');
    checkWgs84(rootCrs, 'crs');
  }
  let features: unknown[];
  if (root.type === 'FeatureCollection') {
    if (!Array.isArray(root.features)) throw new AppError('IMPORT_FAILED', 'FeatureCollection.features must be an array', 'features');
    features = root.features;
  } else if (root.type === 'Feature') {
    features = [root];
  } else {
    throw new AppError('IMPORT_FAILED', `a GeoJSON file must hold a FeatureCollection or a Feature, not ${JSON.stringify(root.type)}`, 'type');
  }
  return features.map((f, index) => {
    const field = `features[${index}]`;
    if (!f || typeof f !== 'object' || (f as { type?: unknown }).type !== 'Feature') {
      throw new AppError('VALIDATION_ERROR', `feature #${index} is not a GeoJSON Feature`, field, { index });
    }
    const feat = f as { id?: unknown; geometry?: unknown; properties?: unknown; crs?: unknown };
    for (const [where, crs] of [[`${field}.crs`, feat.crs], [`${field}.geometry.crs`, (feat.geometry as { crs?: unknown } | null)?.crs]] as const) {
      if (crs === undefined || crs === null) continue;
      const name = crsName(crs, where);
      // Two spellings of WGS84 (e.g. CRS84 and EPSG:4326) are the same system: not "mixed".
      const isWgs84 = (n: string) => WGS84_NAMES.some((re) => re.test(n.trim()));
      const same = rootCrs === undefined ? isWgs84(name) : name.trim() === rootCrs.trim() || (isWgs84(name) && isWgs84(rootCrs));
      if (!same) {
        // One file, several coordinate systems: refuse instead of guessing which coordinates mean what.
        throw new AppError('VALIDATION_ERROR', `feature #${index} declares CRS "${name}" but the file ${rootCrs ? `declares "${rootCrs}"` : 'declares none (WGS84)'}: mixed CRSs in one file are not accepted`, where, { index });
      }
    }
    const props = feat.properties;
    if (props !== undefined && props !== null && (typeof props !== 'object' || Array.isArray(props))) {
      throw new AppError('VALIDATION_ERROR', `feature #${index}: properties must be an object`, `${field}.properties`, { index });
    }
    const id = typeof feat.id === 'string' || typeof feat.id === 'number' ? feat.id : undefined;
    return {
      index,
      ...(id !== undefined ? { id } : {}),
      geometry: (feat.geometry ?? null) as RawFeature['geometry'],
      properties: (props ?? {}) as Record<string, unknown>,
    };
  });
}
