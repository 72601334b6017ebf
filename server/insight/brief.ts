// The brief for the 民情调处会 (residents' affairs mediation meeting): open cases, overdue cases and the
// community ranking, optionally for one community. Personal data of reporters is never exported.
import type { ScopePolicy } from '../auth/scope';
import type { BriefQuery } from '../../common/insight';
import type { Queryable } from '../db/db';
import type { Clock } from '../clock';
import { SqlParams, categorySeverityConditions, resolveFilters } from './filters';
import { computeRankings } from './rankings';
import type { CellValue, Table } from './table-writers';

export const MAX_BRIEF_ROWS = 50_000;

const STATUS_ZH: Record<string, string> = {
  reported: '已上报', accepted: '已受理', assigned: '已派遣', in_progress: '处置中',
  resolved: '已反馈', verified: '已核查', closed: '已结案', rejected: '不予受理',
};
const SEVERITY_ZH: Record<string, string> = { small: '小事', big: '大事' };

/** "2026-11-26 10:00" in China Standard Time. */
export function cstText(d: Date | string | null): string | null {
  if (d == null) return null;
  const t = new Date(d).getTime() + 8 * 3600_000;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

const CASE_COLUMNS = ['编号', '类别', '大小事', '状态', '标题', '社区', '网格', '地址', '上报时间', '办结期限', '超期小时', '督办级别', '返工次数'];

interface CaseRow {
  code: string; category: string; severity: string; status: string; title: string; community: string;
  grid: string | null; address: string | null; reported_at: Date | string; due_at: Date | string;
  overdue_h: number | string | null; escalation_level: number; rework_count: number;
}

async function caseTable(db: Queryable, clock: Clock, q: BriefQuery, scope: ScopePolicy, overdueOnly: boolean): Promise<Table> {
  const filters = resolveFilters(q, clock);
  const p = new SqlParams();
  const now = p.add(clock.now().toISOString(), 'timestamptz');
  const conds = [`i.status NOT IN ('closed', 'rejected')`, ...categorySeverityConditions(filters, p, scope)];
  if (overdueOnly) conds.push(`i.due_at < ${now}`);
  if (q.communityId) conds.push(`i.community_id = ${p.add(q.communityId, 'int')}`);
  const r = await db.query<CaseRow>(
    `SELECT i.code, ic.name_zh AS category, i.severity, i.status, i.title, c.name AS community, g.name AS grid, i.address,
            i.reported_at, i.due_at,
            CASE WHEN i.due_at < ${now} THEN round((extract(epoch FROM ${now} - i.due_at) / 3600.0)::numeric, 1) END AS overdue_h,
            i.escalation_level, i.rework_count
     FROM incidents i
     JOIN incident_categories ic ON ic.code = i.category
     JOIN communities c ON c.id = i.community_id
     LEFT JOIN grids g ON g.id = i.grid_id
     WHERE ${conds.join(' AND ')}
     ORDER BY ${overdueOnly ? 'i.due_at' : 'i.reported_at'}, i.id
     LIMIT ${MAX_BRIEF_ROWS}`,
    p.values,
  );
  return {
    name: overdueOnly ? '超期案件' : '在办案件',
    columns: CASE_COLUMNS,
    rows: r.rows.map((c): CellValue[] => [
      c.code, c.category, SEVERITY_ZH[c.severity] ?? c.severity, STATUS_ZH[c.status] ?? c.status, c.title, c.community,
      c.grid, c.address, cstText(c.reported_at), cstText(c.due_at), c.overdue_h == null ? null : Number(c.overdue_h),
      Number(c.escalation_level), Number(c.rework_count),
    ]),
  };
}

const pct = (v: number | null) => (v == null ? null : Math.round(v * 1000) / 10);

async function rankingTable(db: Queryable, clock: Clock, q: BriefQuery, scope: ScopePolicy): Promise<Table> {
  const r = await computeRankings(db, clock, { from: q.from, to: q.to, categories: q.categories, severity: q.severity, level: 'community', sort: 'onTimeRate' }, scope);
  const rows = q.communityId ? r.rows.filter((x) => x.id === q.communityId) : r.rows;
  return {
    name: '社区排名',
    columns: ['排名(按按期办结率)', '社区', '社区编码', '事件数', '已结案', '在办', '办结时长中位数(小时)', '平均办结时长(小时)', '按期办结率(%)', '返工率(%)', '督办升级数', '平均满意度(1-5)'],
    rows: rows.map((x): CellValue[] => [
      x.rank, x.name, x.code, x.incidents, x.closed, x.open, x.medianCloseHours, x.meanCloseHours,
      pct(x.onTimeRate), pct(x.reworkRate), x.escalations, x.meanSatisfaction,
    ]),
  };
}

export async function briefTables(db: Queryable, clock: Clock, q: BriefQuery, scope: ScopePolicy): Promise<Table[]> {
  return [await caseTable(db, clock, q, scope, false), await caseTable(db, clock, q, scope, true), await rankingTable(db, clock, q, scope)];
}

export async function briefTable(db: Queryable, clock: Clock, q: BriefQuery, scope: ScopePolicy): Promise<Table> {
  if (q.sheet === 'rankings') return rankingTable(db, clock, q, scope);
  return caseTable(db, clock, q, scope, q.sheet === 'overdue');
}
