// Validity of area features (communities, grids, a street boundary, buildings) as real boundary files publish
// them. PostGIS judges (ST_IsValidDetail: its reason and the location where validity fails). Two cases are
// handled without changing any area:
//  - a MultiPolygon whose parts are each valid and only touch along edges (a "multipart area sharing an edge",
//    common in web-map boundary files; OGC calls it invalid) is dissolved into the same set of points
//    (ST_UnaryUnion; the area is checked to be unchanged), and reported as a warning per feature;
// everything else is refused with the reason, the vertex nearest the failure and the exact flag to repair it.
// `--make-valid` (opt-in) repairs with ST_MakeValid and reports each repaired feature and its area change.
import type { Geometry, Position } from 'geojson';
import type { Queryable } from '../db/db';

export interface AreaProblem {
  index: number;
  reason: string;
  /** Where PostGIS found the problem [lon, lat], when it says. */
  location?: [number, number];
  /** Path of the input vertex nearest the location, e.g. "coordinates[0][1][7]". */
  vertex?: string;
}

export interface AreaFix {
  index: number;
  action: 'dissolved' | 'repaired';
  reason: string;
  geometry: Geometry;
  /** Relative area change of a repair (0 for a dissolve, by construction). */
  areaChange: number;
}

export interface AreaValidation {
  invalid: AreaProblem[];
  fixed: AreaFix[];
}

const BATCH = 2000;
/** A dissolve must keep the area: parts that overlap (not only touch) are not "sharing an edge". */
const AREA_TOLERANCE = 1e-9;

/** Path and position of the input vertex nearest `loc` (the user's own coordinates, before any change). */
export function nearestVertex(g: Geometry, loc: [number, number]): string | undefined {
  let best: { d: number; path: string } | undefined;
  const visit = (c: unknown, path: string): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') {
      const p = c as Position;
      const d = (p[0] - loc[0]) ** 2 + (p[1] - loc[1]) ** 2;
      if (!best || d < best.d) best = { d, path };
      return;
    }
    c.forEach((x, i) => visit(x, `${path}[${i}]`));
  };
  if ('coordinates' in g) visit(g.coordinates, 'coordinates');
  return best?.path;
}

export async function validateAreas(
  q: Queryable,
  items: readonly { index: number; geometry: Geometry }[],
  options: { makeValid?: boolean } = {},
): Promise<AreaValidation> {
  const invalid: AreaProblem[] = [];
  const fixed: AreaFix[] = [];
  const byIndex = new Map(items.map((it) => [it.index, it.geometry]));
  for (let i = 0; i < items.length; i += BATCH) {
    const rows = items.slice(i, i + BATCH).map((it) => ({ i: it.index, g: JSON.stringify(it.geometry) }));
    const bad = await q.query<{ i: number; reason: string | null; x: number | null; y: number | null; empty: boolean; parts_valid: boolean | null; multi: boolean }>(
      `WITH s AS (SELECT r.i, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326) AS geom FROM json_to_recordset($1::json) AS r(i int, g text)),
            b AS (SELECT i, geom, ST_IsEmpty(geom) AS empty, CASE WHEN NOT ST_IsEmpty(geom) THEN ST_IsValidDetail(geom) END AS d
                    FROM s WHERE ST_IsEmpty(geom) OR NOT ST_IsValid(geom))
       SELECT b.i, b.empty, (b.d).reason AS reason, ST_X((b.d).location) AS x, ST_Y((b.d).location) AS y,
              GeometryType(b.geom) = 'MULTIPOLYGON' AS multi,
              (SELECT bool_and(ST_IsValid(p.geom)) FROM ST_Dump(b.geom) p) AS parts_valid
         FROM b ORDER BY b.i`,
      [JSON.stringify(rows)],
    );
    for (const r of bad.rows) {
      const index = Number(r.i);
      if (r.empty) { invalid.push({ index, reason: 'EMPTY geometry' }); continue; }
      const location: [number, number] | undefined = r.x !== null && r.y !== null ? [Number(r.x), Number(r.y)] : undefined;
      const reason = r.reason ?? 'invalid geometry';
      const g = byIndex.get(index) as Geometry;
      if (r.multi && r.parts_valid) {
        // Parts each valid: dissolve if they only touch (the union keeps the sum of their areas).
        const d = await q.query<{ g: string; sum: number; union_area: number; ok: boolean }>(
          `WITH s AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS geom),
                u AS (SELECT ST_Multi(ST_UnaryUnion(geom)) AS geom, (SELECT sum(ST_Area(p.geom)) FROM s, ST_Dump(s.geom) p) AS sum FROM s)
           SELECT ST_AsGeoJSON(geom) AS g, sum, ST_Area(geom) AS union_area, ST_IsValid(geom) AS ok FROM u`,
          [JSON.stringify(g)],
        );
        const row = d.rows[0];
        const sum = Number(row.sum);
        if (row.ok && Math.abs(Number(row.union_area) - sum) <= AREA_TOLERANCE * Math.max(1e-12, sum) + 1e-16) {
          fixed.push({ index, action: 'dissolved', reason, geometry: JSON.parse(row.g) as Geometry, areaChange: 0 });
          continue;
        }
      }
      if (options.makeValid) {
        const m = await q.query<{ g: string | null; before: number; after: number }>(
          `WITH s AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS geom),
                v AS (SELECT geom, ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) AS fixed FROM s)
           SELECT CASE WHEN ST_IsEmpty(fixed) THEN NULL ELSE ST_AsGeoJSON(fixed) END AS g,
                  ST_Area(geom) AS before, ST_Area(fixed) AS after FROM v`,
          [JSON.stringify(g)],
        );
        const row = m.rows[0];
        if (row.g) {
          const before = Number(row.before);
          fixed.push({ index, action: 'repaired', reason, geometry: JSON.parse(row.g) as Geometry, areaChange: before > 0 ? (Number(row.after) - before) / before : 0 });
          continue;
        }
      }
      invalid.push({ index, reason, ...(location ? { location, vertex: nearestVertex(g, location) } : {}) });
    }
  }
  return { invalid, fixed };
}

/** The sentence a person reads for one invalid feature: PostGIS's reason, where, and how to repair it. */
export function describeProblem(p: AreaProblem, makeValidTried: boolean): string {
  const where = p.location ? ` at ${p.location[0].toFixed(7)}, ${p.location[1].toFixed(7)}${p.vertex ? ` (nearest vertex ${p.vertex})` : ''}` : '';
  const fix = makeValidTried ? 'ST_MakeValid left no area: fix the geometry by hand' : 'fix it in the source, or re-run with --make-valid to repair it with ST_MakeValid (reported feature by feature)';
  return `invalid geometry: ${p.reason}${where}; ${fix}`;
}
