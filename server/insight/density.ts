// Data for the heatmap and hexbin layers. Up to MAX_POINTS incidents go to the browser as points (deck.gl
// aggregates them on the GPU); above that the server bins them into 50 m fixed cells and sends weighted
// cell centres, so the payload stays bounded whatever the window.
import type { ScopePolicy } from '../auth/scope';
import type { DensityQuery, DensityResponse } from '../../common/insight';
import { cellCenter } from '../../common/insight';
import type { Queryable } from '../db/db';
import type { Clock } from '../clock';
import { SqlParams, reportedConditions, resolveFilters } from './filters';
import { cellSql, loadCellFrame } from './cell-frame';

export const MAX_POINTS = 100_000;
export const DENSITY_CELL_M = 50;

const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

export async function computeDensity(db: Queryable, clock: Clock, q: DensityQuery, scope: ScopePolicy, maxPoints = MAX_POINTS): Promise<DensityResponse> {
  const filters = resolveFilters(q, clock);
  const p = new SqlParams();
  const conds = reportedConditions(filters, p, scope);
  if (q.bbox) {
    const [w, s, e, n] = q.bbox;
    conds.push(`i.geom && ST_MakeEnvelope(${p.add(w, 'float8')}, ${p.add(s, 'float8')}, ${p.add(e, 'float8')}, ${p.add(n, 'float8')}, 4326)`);
  }
  const where = conds.join(' AND ');
  const pts = await db.query<{ x: number; y: number }>(
    `SELECT ST_X(i.geom) AS x, ST_Y(i.geom) AS y FROM incidents i WHERE ${where} LIMIT ${maxPoints + 1}`,
    p.values,
  );
  if (pts.rows.length <= maxPoints) {
    const points = new Array<number>(pts.rows.length * 2);
    pts.rows.forEach((r, k) => {
      points[2 * k] = r6(Number(r.x));
      points[2 * k + 1] = r6(Number(r.y));
    });
    return { filters, mode: 'points', total: pts.rows.length, points };
  }
  const frame = await loadCellFrame(db, DENSITY_CELL_M);
  const p2 = new SqlParams();
  const c2 = reportedConditions(filters, p2, scope);
  if (q.bbox) {
    const [w, s, e, n] = q.bbox;
    c2.push(`i.geom && ST_MakeEnvelope(${p2.add(w, 'float8')}, ${p2.add(s, 'float8')}, ${p2.add(e, 'float8')}, ${p2.add(n, 'float8')}, 4326)`);
  }
  const { ix, iy } = cellSql(frame, 'i.geom', p2);
  const agg = await db.query<{ ix: number; iy: number; n: number }>(
    `SELECT ${ix} AS ix, ${iy} AS iy, count(*)::int AS n FROM incidents i WHERE ${c2.join(' AND ')} GROUP BY 1, 2`,
    p2.values,
  );
  const cells: number[] = [];
  let total = 0;
  for (const r of agg.rows) {
    const [lon, lat] = cellCenter(frame, Number(r.ix), Number(r.iy));
    cells.push(r6(lon), r6(lat), Number(r.n));
    total += Number(r.n);
  }
  return { filters, mode: 'cells', total, frame, cells };
}
