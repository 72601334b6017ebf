// Validity is judged by PostGIS itself (ST_IsValidReason), the same rule the tables' CHECK constraints use,
// so the user is told exactly why a feature is rejected instead of seeing a constraint name.
import type { Geometry } from 'geojson';
import type { Queryable } from '../db/db';

export interface InvalidFeature {
  index: number;
  reason: string;
}

const BATCH = 4000;

/** Returns the features PostGIS considers invalid, with its reason, in input order. */
export async function findInvalid(
  q: Queryable,
  items: readonly { index: number; geometry: Geometry }[],
): Promise<InvalidFeature[]> {
  const out: InvalidFeature[] = [];
  for (let i = 0; i < items.length; i += BATCH) {
    const rows = items.slice(i, i + BATCH).map((it) => ({ i: it.index, g: JSON.stringify(it.geometry) }));
    const res = await q.query<{ i: number; reason: string }>(
      `SELECT s.i, CASE WHEN ST_IsEmpty(s.geom) THEN 'EMPTY geometry' ELSE ST_IsValidReason(s.geom) END AS reason
         FROM (SELECT r.i, ST_GeomFromGeoJSON(r.g) AS geom
                 FROM json_to_recordset($1::json) AS r(i int, g text)) s
        WHERE ST_IsEmpty(s.geom) OR NOT ST_IsValid(s.geom)
        ORDER BY s.i`,
      [JSON.stringify(rows)],
    );
    for (const r of res.rows) out.push({ index: Number(r.i), reason: r.reason });
  }
  return out;
}
