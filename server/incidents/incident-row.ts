// One incident row as read from the database, and its DTOs: the full one for the API (masked by role) and
// the live one for events (no personal data, common/realtime.ts IncidentLive).
import type { IncidentCategory, IncidentSeverity, IncidentStatus, UserRole } from '../../common/domain';
import type { IncidentDto } from '../../common/incidents';
import type { IncidentLive } from '../../common/realtime';
import type { Queryable } from '../db/db';
import { canSeeNames, canSeePhones, maskName, maskPhone } from '../privacy/masking';

/** The SELECT list every incident read uses (table alias `i`). */
export const INCIDENT_COLUMNS = `i.id, i.code, i.category, i.severity, i.status, i.title, i.description, i.address, i.source,
  i.reporter_name, i.reporter_phone, i.community_id, i.grid_id, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat,
  i.assignee_id, i.leader_id, i.plan, i.plan_due_at, i.due_at, i.escalation_level, i.escalated_at, i.rework_count,
  i.resolved_by, i.verified_by, i.reply, i.replied_at, i.satisfaction, i.reported_at, i.accepted_at, i.assigned_at,
  i.resolved_at, i.verified_at, i.closed_at, i.updated_at, i.version, i.acknowledged_at`;

type Ts = Date | string | null;

export interface IncidentRow {
  id: number;
  code: string;
  category: IncidentCategory;
  severity: IncidentSeverity;
  status: IncidentStatus;
  title: string;
  description: string;
  address: string | null;
  source: string;
  reporter_name: string | null;
  reporter_phone: string | null;
  community_id: number;
  grid_id: number | null;
  lon: number;
  lat: number;
  assignee_id: number | null;
  leader_id: number | null;
  plan: string | null;
  plan_due_at: Ts;
  due_at: Ts;
  escalation_level: number;
  escalated_at: Ts;
  rework_count: number;
  resolved_by: string | null;
  verified_by: string | null;
  reply: string | null;
  replied_at: Ts;
  satisfaction: number | null;
  reported_at: Ts;
  accepted_at: Ts;
  assigned_at: Ts;
  resolved_at: Ts;
  verified_at: Ts;
  closed_at: Ts;
  updated_at: Ts;
  version: number;
  /** 接单 by the assignee (migration 085). */
  acknowledged_at?: Ts;
}

export function iso(t: Ts): string | null {
  if (t == null) return null;
  return t instanceof Date ? t.toISOString() : new Date(t).toISOString();
}

export function toLive(r: IncidentRow): IncidentLive {
  return {
    id: Number(r.id),
    code: r.code,
    category: r.category,
    severity: r.severity,
    status: r.status,
    title: r.title,
    communityId: r.community_id,
    gridId: r.grid_id,
    lon: r.lon,
    lat: r.lat,
    assigneeId: r.assignee_id,
    source: r.source,
    reportedAt: iso(r.reported_at) ?? '',
    dueAt: iso(r.due_at) ?? '',
    closedAt: iso(r.closed_at),
    escalationLevel: r.escalation_level,
    reworkCount: r.rework_count,
    version: r.version,
    updatedAt: iso(r.updated_at) ?? '',
  };
}

/** The API DTO; reporter name and phone are masked unless `role` may see them (server/privacy/masking.ts). */
export function toDto(r: IncidentRow, role: UserRole | null): IncidentDto {
  return {
    ...toLive(r),
    description: r.description,
    address: r.address,
    reporterName: canSeeNames(role) ? r.reporter_name : maskName(r.reporter_name),
    reporterPhone: canSeePhones(role) ? r.reporter_phone : maskPhone(r.reporter_phone),
    leaderId: r.leader_id,
    plan: r.plan,
    planDueAt: iso(r.plan_due_at),
    escalatedAt: iso(r.escalated_at),
    resolvedBy: r.resolved_by,
    verifiedBy: r.verified_by,
    reply: r.reply,
    repliedAt: iso(r.replied_at),
    satisfaction: r.satisfaction,
    acceptedAt: iso(r.accepted_at),
    assignedAt: iso(r.assigned_at),
    resolvedAt: iso(r.resolved_at),
    verifiedAt: iso(r.verified_at),
    acknowledgedAt: iso(r.acknowledged_at ?? null),
  };
}

export async function loadIncident(q: Queryable, id: number): Promise<IncidentRow | undefined> {
  const res = await q.query<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM incidents i WHERE i.id = $1`, [id]);
  return res.rows[0];
}
