// Reads: the filtered incident list and one incident with its history (events) and audit trail.
// Filter values are parameters; the ORDER BY comes from an allow-list keyed by the validated sort.
import type { UserRole } from '../../common/domain';
import type { IncidentAuditEntry, IncidentDetailDto, IncidentHistoryEntry, IncidentListDto, ListIncidentsQuery } from '../../common/incidents';
import type { IncidentEventPayload } from '../../common/realtime';
import type { Queryable } from '../db/db';
import type { ScopePolicy } from '../auth/scope';
import { INCIDENT_COLUMNS, iso, loadIncident, toDto, type IncidentRow } from './incident-row';

const ORDER_BY: Record<ListIncidentsQuery['sort'], string> = {
  reported_at: 'i.reported_at ASC, i.id ASC',
  '-reported_at': 'i.reported_at DESC, i.id DESC',
  due_at: 'i.due_at ASC, i.id ASC',
  '-due_at': 'i.due_at DESC, i.id DESC',
  updated_at: 'i.updated_at ASC, i.id ASC',
  '-updated_at': 'i.updated_at DESC, i.id DESC',
  id: 'i.id ASC',
  '-id': 'i.id DESC',
};

/** Roles that see the audit trail of a case (who did what). */
const AUDIT_ROLES: readonly UserRole[] = ['dispatcher', 'admin', 'leader'];

/** `role` decides masking only; which cases are listed is `scope`'s (the rule of the detail and every command). */
export async function listIncidents(q: Queryable, role: UserRole, scope: ScopePolicy, query: ListIncidentsQuery): Promise<IncidentListDto> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(sql(params.length));
  };
  if (query.status) add((n) => `i.status = ANY($${n}::text[])`, query.status);
  if (query.category) add((n) => `i.category = ANY($${n}::text[])`, query.category);
  if (query.severity) add((n) => `i.severity = $${n}`, query.severity);
  if (query.community) add((n) => `i.community_id = $${n}`, query.community);
  if (query.grid) add((n) => `i.grid_id = $${n}`, query.grid);
  // "since" is for incremental refresh: anything changed at or after it.
  if (query.since) add((n) => `i.updated_at >= $${n}::timestamptz`, query.since);
  if (query.bbox) {
    params.push(...query.bbox);
    const n = params.length;
    where.push(`i.geom && ST_MakeEnvelope($${n - 3}, $${n - 2}, $${n - 1}, $${n}, 4326)`);
  }
  // The cases the caller may read: the same rule as the detail and every command (mayReadCase).
  where.push(scope.cases('i', (v) => `$${params.push(v)}`));
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents i ${whereSql}`, params);
  const rows = await q.query<IncidentRow>(
    `SELECT ${INCIDENT_COLUMNS} FROM incidents i ${whereSql} ORDER BY ${ORDER_BY[query.sort]}
      LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, query.limit, query.offset],
  );
  return { items: rows.rows.map((r) => toDto(r, role)), total: total.rows[0].n, limit: query.limit, offset: query.offset };
}

interface EventRow {
  id: number;
  at: Date | string;
  type: string;
  actor: string;
  reason: string | null;
  version: number | null;
  payload: IncidentEventPayload;
}

interface AuditRow {
  id: number;
  at: Date | string;
  actor: string;
  action: string;
  reason: string | null;
}

/** One incident with its history, or undefined. The caller checks scope on the returned gridId. */
export async function incidentDetail(q: Queryable, role: UserRole, id: number): Promise<{ row: IncidentRow; dto: IncidentDetailDto } | undefined> {
  const row = await loadIncident(q, id);
  if (!row) return undefined;
  const ev = await q.query<EventRow>(
    `SELECT id, at, type, actor, reason, version, payload FROM events
      WHERE entity_type = 'incident' AND entity_id = $1 ORDER BY id`,
    [String(id)],
  );
  const history: IncidentHistoryEntry[] = ev.rows.map((e) => ({
    eventId: e.id,
    at: iso(e.at) ?? '',
    type: e.type,
    actor: e.actor,
    reason: e.reason,
    version: e.version,
    from: e.payload?.from ?? null,
    status: e.payload?.incident?.status ?? null,
  }));
  let auditRows: IncidentAuditEntry[] = [];
  if (AUDIT_ROLES.includes(role)) {
    const au = await q.query<AuditRow>(
      `SELECT id, at, actor, action, reason FROM audit_log WHERE entity_type = 'incident' AND entity_id = $1 ORDER BY id`,
      [String(id)],
    );
    auditRows = au.rows.map((a) => ({ id: a.id, at: iso(a.at) ?? '', actor: a.actor, action: a.action, reason: a.reason }));
  }
  return { row, dto: { ...toDto(row, role), history, audit: auditRows } };
}
