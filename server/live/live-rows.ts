// Row → live shape mappers and the SELECT lists that feed them (shared by the services and the snapshot).
import type {
  IncidentLive,
  ParkingLive,
  ViolationLive,
} from '../../common/realtime';
import type {
  IncidentCategory,
  IncidentSeverity,
  IncidentStatus,
  ParkingKind,
  ViolationKind,
  ViolationStatus,
} from '../../common/domain';

const iso = (v: Date | string | null): string | null => (v == null ? null : v instanceof Date ? v.toISOString() : new Date(v).toISOString());
const isoReq = (v: Date | string): string => iso(v) as string;

export const PARKING_COLUMNS = `id, code, name, kind, community_id, capacity, occupied, ST_X(geom) AS lon, ST_Y(geom) AS lat,
  availability, version, updated_at`;

export interface ParkingRow {
  id: number; code: string; name: string; kind: ParkingKind; community_id: number | null; capacity: number; occupied: number;
  lon: number; lat: number; availability: unknown; version: number; updated_at: Date | string;
}

export function toParkingLive(r: ParkingRow): ParkingLive {
  return {
    id: r.id, code: r.code, name: r.name, kind: r.kind, communityId: r.community_id, capacity: r.capacity, occupied: r.occupied,
    lon: r.lon, lat: r.lat, availability: r.availability ?? null, version: r.version, updatedAt: isoReq(r.updated_at),
  };
}

export const VIOLATION_COLUMNS = `id, code, kind, status, community_id, grid_id, ST_X(geom) AS lon, ST_Y(geom) AS lat, found_at,
  version, updated_at`;

export interface ViolationRow {
  id: number; code: string; kind: ViolationKind; status: ViolationStatus; community_id: number | null; grid_id: number | null;
  lon: number; lat: number; found_at: Date | string; version: number; updated_at: Date | string;
}

export function toViolationLive(r: ViolationRow): ViolationLive {
  return {
    id: r.id, code: r.code, kind: r.kind, status: r.status, communityId: r.community_id, gridId: r.grid_id, lon: r.lon, lat: r.lat,
    foundAt: isoReq(r.found_at), version: r.version, updatedAt: isoReq(r.updated_at),
  };
}

export const INCIDENT_COLUMNS = `id, code, category, severity, status, title, community_id, grid_id, ST_X(geom) AS lon, ST_Y(geom) AS lat,
  assignee_id, source, reported_at, due_at, closed_at, escalation_level, rework_count, version, updated_at`;

export interface IncidentRow {
  id: number; code: string; category: IncidentCategory; severity: IncidentSeverity; status: IncidentStatus; title: string;
  community_id: number; grid_id: number | null; lon: number; lat: number; assignee_id: number | null; source: string;
  reported_at: Date | string; due_at: Date | string; closed_at: Date | string | null; escalation_level: number;
  rework_count: number; version: number; updated_at: Date | string;
}

export function toIncidentLive(r: IncidentRow): IncidentLive {
  return {
    id: r.id, code: r.code, category: r.category, severity: r.severity, status: r.status, title: r.title,
    communityId: r.community_id, gridId: r.grid_id, lon: r.lon, lat: r.lat, assigneeId: r.assignee_id, source: r.source,
    reportedAt: isoReq(r.reported_at), dueAt: isoReq(r.due_at), closedAt: iso(r.closed_at), escalationLevel: r.escalation_level,
    reworkCount: r.rework_count, version: r.version, updatedAt: isoReq(r.updated_at),
  };
}
