// The fixed cell lattice of this installation: the origin is the street's centroid rounded to 0.01°, so it
// depends on the street only (never on a request or a viewport), and SQL expressions that put a point in
// its cell with plain arithmetic (no per-row projection), identical on PGlite and PostgreSQL.
import { STREET } from '../../common/domain';
import { makeCellFrame, type CellFrame } from '../../common/insight';
import type { Queryable } from '../db/db';
import type { SqlParams } from './filters';

/** The area the statistic is computed over, in order of preference. */
export type StudyAreaSource = 'street' | 'communities' | 'data';

const round2 = (v: number) => Math.round(v * 100) / 100;

export async function loadCellFrame(db: Queryable, cellSizeM: number): Promise<CellFrame> {
  const r = await db.query<{ lon: number | null; lat: number | null }>(
    `SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (
       SELECT COALESCE((SELECT ST_Centroid(ST_Extent(geom)::geometry) FROM streets),
                       (SELECT ST_Centroid(ST_Extent(geom)::geometry) FROM communities)) AS c) s`,
  );
  const lon = r.rows[0]?.lon;
  const lat = r.rows[0]?.lat;
  if (lon == null || lat == null) return makeCellFrame(STREET.center[0], STREET.center[1], cellSizeM);
  return makeCellFrame(round2(Number(lon)), round2(Number(lat)), cellSizeM);
}

/** SQL for the cell column index of a point expression (e.g. `i.geom`). */
export function cellSql(frame: CellFrame, geomExpr: string, p: SqlParams): { ix: string; iy: string } {
  const lon0 = p.add(frame.originLon, 'float8');
  const lat0 = p.add(frame.originLat, 'float8');
  const kx = p.add(frame.mPerDegLon / frame.cellSizeM, 'float8');
  const ky = p.add(frame.mPerDegLat / frame.cellSizeM, 'float8');
  return {
    ix: `floor((ST_X(${geomExpr}) - ${lon0}) * ${kx})::int`,
    iy: `floor((ST_Y(${geomExpr}) - ${lat0}) * ${ky})::int`,
  };
}

/**
 * Cells whose centre lies inside the street (or, without a street row, inside any community). Zero-count
 * cells matter: Gi* compares each neighbourhood with the mean over the whole study area.
 */
export async function studyAreaCells(db: Queryable, frame: CellFrame): Promise<{ source: StudyAreaSource; cells: Array<[number, number]> }> {
  for (const table of ['streets', 'communities'] as const) {
    const has = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    if (!has.rows[0] || has.rows[0].n === 0) continue;
    const kx = frame.mPerDegLon / frame.cellSizeM;
    const ky = frame.mPerDegLat / frame.cellSizeM;
    const r = await db.query<{ ix: number; iy: number }>(
      `WITH area AS (SELECT ST_Union(geom) AS g FROM ${table}),
            b AS (SELECT ST_XMin(g) AS x0, ST_YMin(g) AS y0, ST_XMax(g) AS x1, ST_YMax(g) AS y1 FROM area)
       SELECT gx AS ix, gy AS iy
       FROM area, b,
            generate_series(floor((b.x0 - $1::float8) * $3::float8)::int, floor((b.x1 - $1::float8) * $3::float8)::int) AS gx,
            generate_series(floor((b.y0 - $2::float8) * $4::float8)::int, floor((b.y1 - $2::float8) * $4::float8)::int) AS gy
       WHERE ST_Intersects(area.g, ST_SetSRID(ST_MakePoint($1::float8 + (gx + 0.5) / $3::float8, $2::float8 + (gy + 0.5) / $4::float8), 4326))`,
      [frame.originLon, frame.originLat, kx, ky],
    );
    return { source: table === 'streets' ? 'street' : 'communities', cells: r.rows.map((c) => [Number(c.ix), Number(c.iy)]) };
  }
  return { source: 'data', cells: [] };
}
