// The single place where source coordinates become WGS84. Chinese web maps publish GCJ-02 (高德/腾讯) or
// BD-09 (百度); the user says which with `--crs`, and we convert exactly once with gcoord. We cannot detect a
// GCJ-02 coordinate declared as WGS84 (the offset is a few hundred metres of plausible coordinates): it is
// stored as given, which is why the CLI prints the CRS it used in its report.
import gcoord from 'gcoord';
import type { Position } from 'geojson';
import type { ImportCrs } from './types';

const GCOORD_CRS = { gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

/** Converts one [lon, lat] position to WGS84. WGS84 input is returned unchanged (same array values). */
export function toWgs84(pos: Position, crs: ImportCrs): Position {
  if (crs === 'wgs84') return [pos[0], pos[1]];
  const out = gcoord.transform([pos[0], pos[1]] as [number, number], GCOORD_CRS[crs], gcoord.WGS84);
  return [out[0], out[1]];
}

/** A positions converter for a whole file (avoids re-checking the CRS per vertex in callers). */
export function converterFor(crs: ImportCrs): (pos: Position) => Position {
  return (pos) => toWgs84(pos, crs);
}
