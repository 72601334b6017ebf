// Reading the audit log: one filter (who, what, which record, when) shared by the paged viewer and the
// export. Read-only by construction: this module has no UPDATE or DELETE, and the table's trigger refuses
// them anyway (migration 001, APPEND_ONLY).
import type { Queryable } from '../db/db';
import { AppError } from '../../common/errors';
import { AUDIT_EXPORT_MAX_ROWS, type AuditPage, type AuditQuery, type AuditRowDto } from '../../common/admin';
import type { Table } from '../insight/table-writers';

export type AuditFilter = Omit<AuditQuery, 'page' | 'pageSize'>;

/** Actor ids as written by the modules ("user:12", "anonymous", "system:escalation", "resident:…"). */
const ACTOR_ID = /^(user:\d+|anonymous|system:[\w.-]+|resident:[\w.-]+|open311:[\w.-]+)$/;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function where(f: AuditFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.actor) {
    if (ACTOR_ID.test(f.actor)) parts.push(`a.actor = ${p(f.actor)}`);
    // a username: its "user:<id>", whatever its current state
    else parts.push(`a.actor IN (SELECT 'user:' || id::text FROM users WHERE username = ${p(f.actor.toLowerCase())})`);
  }
  if (f.action) {
    if (f.action.endsWith('.')) parts.push(`a.action LIKE ${p(`${escapeLike(f.action)}%`)}`);
    else parts.push(`a.action = ${p(f.action)}`);
  }
  if (f.entityType) parts.push(`a.entity_type = ${p(f.entityType)}`);
  if (f.entityId) parts.push(`a.entity_id = ${p(f.entityId)}`);
  if (f.from) parts.push(`a.at >= ${p(new Date(f.from))}`);
  if (f.to) parts.push(`a.at < ${p(new Date(f.to))}`);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

function checkRange(f: AuditFilter): void {
  if (f.from && f.to && Date.parse(f.from) >= Date.parse(f.to)) {
    throw new AppError('VALIDATION_ERROR', `query.from (${f.from}) must be before query.to (${f.to})`, 'query.from');
  }
}

interface AuditJoinRow {
  id: number | string;
  at: Date | string;
  actor: string;
  username: string | null;
  display_name: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  reason: string | null;
  detail: unknown;
  ip: string | null;
}

function toDto(r: AuditJoinRow): AuditRowDto {
  return {
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    actorUsername: r.username,
    actorName: r.display_name,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    reason: r.reason,
    detail: typeof r.detail === 'string' ? (JSON.parse(r.detail) as unknown) : r.detail,
    ip: r.ip,
  };
}

/**
 * The selected rows (newest first, paged in the inner query so the time index answers ORDER BY … LIMIT),
 * then the actors' names for just those rows.
 */
function selectPage(whereSql: string, limitParam: string, offsetParam: string | null): string {
  return `SELECT a.id, a.at, a.actor, u.username, u.display_name, a.action, a.entity_type, a.entity_id, a.reason, a.detail, a.ip
    FROM (SELECT * FROM audit_log a ${whereSql} ORDER BY a.at DESC, a.id DESC LIMIT ${limitParam}${offsetParam ? ` OFFSET ${offsetParam}` : ''}) a
    LEFT JOIN users u ON a.actor = 'user:' || u.id::text
   ORDER BY a.at DESC, a.id DESC`;
}

export async function pageAudit(db: Queryable, q: AuditQuery): Promise<AuditPage> {
  checkRange(q);
  const w = where(q);
  const total = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM audit_log a ${w.sql}`, w.params);
  const n = w.params.length;
  const rows = await db.query<AuditJoinRow>(
    selectPage(w.sql, `$${n + 1}`, `$${n + 2}`),
    [...w.params, q.pageSize, (q.page - 1) * q.pageSize],
  );
  return { rows: rows.rows.map(toDto), total: Number(total.rows[0].n), page: q.page, pageSize: q.pageSize };
}

/** Every row the filter selects, newest first; refuses more than AUDIT_EXPORT_MAX_ROWS. */
export async function auditRowsForExport(db: Queryable, f: AuditFilter): Promise<AuditRowDto[]> {
  checkRange(f);
  const w = where(f);
  const rows = await db.query<AuditJoinRow>(selectPage(w.sql, `$${w.params.length + 1}`, null), [
    ...w.params,
    AUDIT_EXPORT_MAX_ROWS + 1,
  ]);
  if (rows.rows.length > AUDIT_EXPORT_MAX_ROWS) {
    throw new AppError(
      'VALIDATION_ERROR',
      `more than ${AUDIT_EXPORT_MAX_ROWS} audit rows match: narrow the time range (from/to) and export in parts`,
      'query.from',
    );
  }
  return rows.rows.map(toDto);
}

/** The distinct actions in the log (for the filter's list): a loose index scan, one probe per action. */
export async function auditActions(db: Queryable): Promise<string[]> {
  const r = await db.query<{ action: string }>(
    `WITH RECURSIVE t(action) AS (
       (SELECT action FROM audit_log ORDER BY action LIMIT 1)
       UNION ALL
       SELECT (SELECT a.action FROM audit_log a WHERE a.action > t.action ORDER BY a.action LIMIT 1) FROM t WHERE t.action IS NOT NULL
     )
     SELECT action FROM t WHERE action IS NOT NULL`,
  );
  return r.rows.map((x) => x.action);
}

/** Shanghai wall-clock time "2026-12-06 21:50:03" (the street reads local time; the ISO value is beside it). */
function shanghaiTime(isoTime: string): string {
  return new Date(Date.parse(isoTime) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

export const AUDIT_EXPORT_COLUMNS = [
  '编号 ID',
  '时间（北京时间）Time (UTC+8)',
  '时间 ISO',
  '操作人账号 Username',
  '操作人 Name',
  '操作人标识 Actor',
  '操作 Action',
  '记录类型 Record type',
  '记录编号 Record id',
  '原因 Reason',
  '来源地址 Address',
  '详情 Detail (JSON)',
];

export function auditTable(rows: AuditRowDto[]): Table {
  return {
    name: '审计日志 Audit log',
    columns: AUDIT_EXPORT_COLUMNS,
    rows: rows.map((r) => [
      r.id,
      shanghaiTime(r.at),
      r.at,
      r.actorUsername,
      r.actorName,
      r.actor,
      r.action,
      r.entityType,
      r.entityId,
      r.reason,
      r.ip,
      r.detail == null ? null : JSON.stringify(r.detail),
    ]),
  };
}
