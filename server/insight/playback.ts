// Playback: cell counts per day or week with ONE colour domain for all frames (the largest count of any
// cell in any frame), so colours mean the same thing in every frame. Bins are calendar days/weeks in
// China Standard Time (UTC+8, no daylight saving), computed from epoch seconds on both sides.
//
// mode "reported": incidents reported within each bin. mode "backlog": incidents open at the end of each bin
// (reported_at < t and not closed by t; rejected reports are never counted as open).
import type { ScopePolicy } from '../auth/scope';
import { AppError } from '../../common/errors';
import type { PlaybackFrame, PlaybackQuery, PlaybackResponse } from '../../common/insight';
import type { Queryable } from '../db/db';
import type { Clock } from '../clock';
import { SqlParams, categorySeverityConditions, resolveFilters } from './filters';
import { cellSql, loadCellFrame } from './cell-frame';

export const MAX_FRAMES = 400;
const CST_OFFSET_S = 8 * 3600;
const BIN_S = { day: 86_400, week: 7 * 86_400 } as const;

/** Start of the CST calendar day/week (weeks start on Monday) containing `epochS`, as epoch seconds. */
export function binStart(epochS: number, bin: 'day' | 'week'): number {
  const local = epochS + CST_OFFSET_S;
  const dayStart = Math.floor(local / 86_400) * 86_400;
  if (bin === 'day') return dayStart - CST_OFFSET_S;
  const weekday = (Math.floor(dayStart / 86_400) + 3) % 7; // 1970-01-01 was a Thursday: Monday = 0
  return dayStart - weekday * 86_400 - CST_OFFSET_S;
}

function cstIso(epochS: number): string {
  return new Date((epochS + CST_OFFSET_S) * 1000).toISOString().replace('Z', '+08:00').replace('.000', '');
}

export async function computePlayback(db: Queryable, clock: Clock, q: PlaybackQuery, scope: ScopePolicy): Promise<PlaybackResponse> {
  const filters = resolveFilters(q, clock);
  const binS = BIN_S[q.bin];
  const start = binStart(Date.parse(filters.from) / 1000, q.bin);
  const endS = Date.parse(filters.to) / 1000;
  const nFrames = Math.ceil((endS - start) / binS);
  if (nFrames > MAX_FRAMES) {
    throw new AppError('VALIDATION_ERROR', `${nFrames} ${q.bin} frames requested; at most ${MAX_FRAMES}: use bin=week or a shorter window`, 'query.bin');
  }
  const frame = await loadCellFrame(db, q.cellSize);
  const p = new SqlParams();
  const { ix, iy } = cellSql(frame, 'i.geom', p);
  const startP = p.add(start, 'float8');
  const binP = p.add(binS, 'float8');
  const conds = categorySeverityConditions(filters, p, scope);
  let sql: string;
  if (q.mode === 'reported') {
    conds.unshift(`i.reported_at >= to_timestamp(${startP})`, `i.reported_at < ${p.add(filters.to, 'timestamptz')}`);
    sql = `SELECT floor((extract(epoch FROM i.reported_at) - ${startP}) / ${binP})::int AS f, ${ix} AS ix, ${iy} AS iy, count(*)::int AS n
           FROM incidents i WHERE ${conds.join(' AND ')} GROUP BY 1, 2, 3`;
  } else {
    const nP = p.add(nFrames - 1, 'int');
    const t = `LEAST(to_timestamp(${startP} + (k + 1) * ${binP}), ${p.add(filters.to, 'timestamptz')})`;
    conds.push(`i.status <> 'rejected'`, `i.reported_at < ${t}`, `(i.closed_at IS NULL OR i.closed_at >= ${t})`);
    sql = `SELECT k AS f, ${ix} AS ix, ${iy} AS iy, count(*)::int AS n
           FROM generate_series(0, ${nP}) AS k JOIN incidents i ON ${conds.join(' AND ')} GROUP BY 1, 2, 3`;
  }
  const rows = await db.query<{ f: number; ix: number; iy: number; n: number }>(sql, p.values);

  const frames: PlaybackFrame[] = Array.from({ length: nFrames }, (_, k) => ({
    start: cstIso(start + k * binS),
    at: cstIso(Math.min(start + (k + 1) * binS, endS)),
    total: 0,
    counts: [],
  }));
  let max = 0;
  for (const r of rows.rows) {
    const fr = frames[Number(r.f)];
    if (!fr) continue;
    const n = Number(r.n);
    fr.counts.push(Number(r.ix), Number(r.iy), n);
    fr.total += n;
    if (n > max) max = n;
  }
  return { filters, bin: q.bin, mode: q.mode, frame, domain: [0, max], frames };
}
