// Hot and cold spots: incident counts per fixed cell aggregated in SQL, then Gi* over every cell of the
// study area. The bbox only selects which cells are returned — the statistic never depends on it.
import type { HotspotCell, HotspotsQuery, HotspotsResponse } from '../../common/insight';
import { cellCenter } from '../../common/insight';
import type { Queryable } from '../db/db';
import type { Clock } from '../clock';
import { SqlParams, reportedConditions, resolveFilters } from './filters';
import { cellSql, loadCellFrame, studyAreaCells } from './cell-frame';
import { giStar, significanceBin, twoSidedP, type LatticeCell } from './gi-star';

/** Default distance band: 1.5 cells, i.e. the cell and its 8 queen neighbours. */
export const DEFAULT_BAND_CELLS = 1.5;

export async function computeHotspots(db: Queryable, clock: Clock, q: HotspotsQuery): Promise<HotspotsResponse> {
  const filters = resolveFilters(q, clock);
  const frame = await loadCellFrame(db, q.cellSize);
  const bandM = q.band ?? DEFAULT_BAND_CELLS * q.cellSize;

  const p = new SqlParams();
  const { ix, iy } = cellSql(frame, 'i.geom', p);
  const where = reportedConditions(filters, p).join(' AND ');
  const [counts, area] = await Promise.all([
    db.query<{ ix: number; iy: number; n: number }>(
      // OFFSET 0 fences the subquery so the planner estimates a few hundred groups (its default for
      // derived columns) instead of one per row: a right-sized hash table is ~20 % faster at 1M rows.
      `SELECT ix, iy, count(*)::int AS n
       FROM (SELECT ${ix} AS ix, ${iy} AS iy FROM incidents i WHERE ${where} OFFSET 0) AS c
       GROUP BY ix, iy`,
      p.values,
    ),
    studyAreaCells(db, frame),
  ]);

  // Study area = cells inside the street plus any cell that has incidents (a point on the boundary counts).
  const cells = new Map<string, LatticeCell>();
  for (const [cx, cy] of area.cells) cells.set(`${cx},${cy}`, { ix: cx, iy: cy, count: 0 });
  let incidents = 0;
  for (const r of counts.rows) {
    const c = { ix: Number(r.ix), iy: Number(r.iy), count: Number(r.n) };
    incidents += c.count;
    cells.set(`${c.ix},${c.iy}`, c);
  }
  const list = [...cells.values()];
  const g = giStar(list, bandM / q.cellSize);

  const out: HotspotCell[] = [];
  list.forEach((c, k) => {
    if (q.bbox) {
      const [lon, lat] = cellCenter(frame, c.ix, c.iy);
      const halfLon = frame.cellSizeM / frame.mPerDegLon / 2;
      const halfLat = frame.cellSizeM / frame.mPerDegLat / 2;
      const [w, s, e, n] = q.bbox;
      if (lon + halfLon < w || lon - halfLon > e || lat + halfLat < s || lat - halfLat > n) return;
    }
    const z = g.z[k];
    out.push({ ix: c.ix, iy: c.iy, count: c.count, z, p: twoSidedP(z), bin: significanceBin(z) });
  });
  out.sort((a, b) => a.iy - b.iy || a.ix - b.ix);

  return {
    filters,
    frame,
    bandM,
    studyCells: list.length,
    incidents,
    mean: g.mean,
    sd: g.sd,
    cells: out,
    studyArea: area.cells.length ? area.source : 'data',
  };
}
