// The typed Socket.IO contract shared by server and client (ENGINEERING.md §3 "durable events, then push",
// §7 "contracts at the boundary"). Naming follows Socket.IO's CRUD example: `domain:verb` for commands the
// client sends, past tense for broadcasts; every ack returns data or a coded error.
//
// Protocol in one paragraph:
//  1. The client connects (session cookie; the server derives its rooms from the identity — never from a
//     room name the client asks for).
//  2. It sends `events:sync { afterId }` with the id of the last event it applied (0 for none). The ack
//     returns the committed events after it, in id order, or `{ resync: true }` when the gap is larger than
//     SYNC_MAX_GAP: then it refetches GET /api/live/snapshot over HTTP and continues from its lastEventId.
//     The socket joins its rooms in the same server turn the ack is computed, before the ack is sent:
//     every event after the ack's lastEventId arrives by push, and a snapshot fetched after a resync ack
//     (its lastEventId is read after the join) has no gap to the pushes either.
//  3. From then on the server pushes `events:appended` batches (never volatile), each event with its id.
//     Clients apply an event only when its id is greater than the last one applied (duplicates are normal:
//     a batch may arrive both by push and by sync), and call `events:sync` again after any reconnect.
//     Socket.IO connection-state recovery may replay missed packets first: a fast path, never relied upon.
//  4. Worker positions arrive as volatile `workers:positions` batches (~1 Hz); KPIs as `kpis:updated`
//     (coalesced, at most every KPI_MIN_INTERVAL_MS). Both are state snapshots, safe to drop.
import { z } from 'zod';
import type { PhotoEventPayload } from './photos';
import type { ApiErrorBody } from './errors';
import type {
  IncidentCategory,
  IncidentSeverity,
  IncidentStatus,
  ParkingKind,
  ViolationKind,
  ViolationStatus,
} from './domain';

// --- limits ------------------------------------------------------------------------------------------

/** A client further behind than this many events is told to resync from the HTTP snapshot. */
export const SYNC_MAX_GAP = 2000;
/** Largest `events:appended` batch; larger runs are split. */
export const EVENTS_BATCH_MAX = 500;
/** Worker position batches are emitted at most this often (volatile). */
export const WORKER_POSITIONS_INTERVAL_MS = 1000;
/** KPI pushes are coalesced to at most one per this interval. */
export const KPI_MIN_INTERVAL_MS = 2000;

// --- events ------------------------------------------------------------------------------------------

/** One committed row of the events table, as pushed (mirrors server/events/append-event.ts StoredEvent). */
export interface LiveEvent<P = unknown> {
  /** Increasing id of the committed row: the client's cursor. */
  id: number;
  /** ISO time the event was committed. */
  at: string;
  type: string;
  entityType: string;
  entityId: string;
  /** Version of the entity after this event (newer version wins when reconciling). */
  version: number | null;
  /** "user:12", "system:escalation", … */
  actor: string;
  reason: string | null;
  payload: P;
}

/**
 * Event types and their payloads. Payloads are broadcast to wall displays: they must never carry personal
 * information (names, phones of reporters or residents) — aggregates and ids only (PRODUCT.md §9).
 * Every payload carries `gridId` (number | null) at the top level so the server can route it to the
 * `grid:<id>` room of that grid's workers.
 */export const INCIDENT_EVENT_TYPES = [
  'incident.reported',
  'incident.accepted',
  'incident.rejected',
  'incident.assigned',
  'incident.started',
  'incident.resolved',
  'incident.verified',
  'incident.reworked',
  'incident.closed',
  'incident.escalated',
  'incident.replied',
  'incident.rated',
  'incident.reopened',
  'incident.updated',
] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];

/** The live fields of an incident: what a map point and a list row need (no personal data). */
export interface IncidentLive {
  id: number;
  code: string;
  category: IncidentCategory;
  severity: IncidentSeverity;
  status: IncidentStatus;
  title: string;
  communityId: number;
  gridId: number | null;
  lon: number;
  lat: number;
  assigneeId: number | null;
  source: string;
  reportedAt: string;
  dueAt: string;
  closedAt: string | null;
  escalationLevel: number;
  reworkCount: number;
  version: number;
  updatedAt: string;
}

/** Payload of every `incident.*` event: the incident after the change (the client replaces by version). */
export interface IncidentEventPayload {
  incident: IncidentLive;
  gridId: number | null;
  /** Status before the change, when the status changed. */
  from?: IncidentStatus;
}

export interface ParkingLive {
  id: number;
  code: string;
  name: string;
  kind: ParkingKind;
  communityId: number | null;
  capacity: number;
  occupied: number;
  lon: number;
  lat: number;
  /** Time-shared windows (see migration 001 parking_lots.availability), or null. */
  availability: unknown;
  version: number;
  updatedAt: string;
}

export interface ParkingEventPayload {
  lot: ParkingLive;
  previousOccupied: number;
  gridId: null;
}

export interface ViolationLive {
  id: number;
  code: string;
  kind: ViolationKind;
  status: ViolationStatus;
  communityId: number | null;
  gridId: number | null;
  lon: number;
  lat: number;
  foundAt: string;
  version: number;
  updatedAt: string;
}

export interface ViolationEventPayload {
  violation: ViolationLive;
  from: ViolationStatus;
  gridId: number | null;
}

export interface EventPayloads {
  'parking.occupancy_changed': ParkingEventPayload;
  'incident.photo_added': PhotoEventPayload;
  'violation.status_changed': ViolationEventPayload;
}

/** Narrowing helpers for consumers (type + payload shape go together by convention, checked server-side). */
export function isIncidentEvent(e: LiveEvent): e is LiveEvent<IncidentEventPayload> {
  return e.entityType === 'incident' && typeof e.payload === 'object' && e.payload !== null && 'incident' in e.payload;
}
export function isEventOfType<T extends keyof EventPayloads>(e: LiveEvent, type: T): e is LiveEvent<EventPayloads[T]> {
  return e.type === type;
}

/** The grid an event belongs to (for grid-room routing), or null for street-wide events. */
export function eventGridId(e: LiveEvent): number | null {
  const p = e.payload as { gridId?: unknown; incident?: { gridId?: unknown } } | null;
  if (p && typeof p.gridId === 'number') return p.gridId;
  if (p && p.incident && typeof p.incident.gridId === 'number') return p.incident.gridId;
  return null;
}

// --- worker positions (volatile telemetry, not events) ------------------------------------------------

export interface WorkerPosition {
  personId: number;
  gridId: number | null;
  lon: number;
  lat: number;
  /** ISO time of the fix. */
  at: string;
}

export interface WorkerPositionsBatch {
  positions: WorkerPosition[];
  serverTime: string;
}

// --- KPIs ----------------------------------------------------------------------------------------------

/** Street KPIs, computed by SQL; "today" is the Asia/Shanghai calendar day. Rates are 0..1 or null. */
export interface Kpis {
  households: number;
  residents: number;
  partyMembers: number;
  openIncidents: number;
  reportedToday: number;
  closedToday: number;
  /** Share of incidents closed today that were closed by their due_at. */
  onTimeRate: number | null;
  /** Average satisfaction (1..5) of rated incidents closed in the last 30 days. */
  satisfactionAvg: number | null;
  /** Share of violation points rectified, demolished or verified. */
  rectificationRate: number | null;
  parkingCapacity: number;
  parkingFree: number;
  /** Id of the last event the figures include. */
  asOfEventId: number;
  computedAt: string;
  /** ISO start of "today" (Asia/Shanghai midnight). */
  dayStart: string;
}

// --- snapshot over HTTP (GET /api/live/snapshot) -------------------------------------------------------

export interface LiveSnapshot {
  /** Apply events with id > lastEventId after this snapshot. */
  lastEventId: number;
  serverTime: string;
  incidents: IncidentLive[];
  violations: ViolationLive[];
  parking: ParkingLive[];
  workers: WorkerPosition[];
  kpis: Kpis;
}

// --- client → server payloads (validated with these schemas where they enter) --------------------------

export const EventsSyncRequestSchema = z
  .object({ afterId: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) })
  .strict();
export type EventsSyncRequest = z.infer<typeof EventsSyncRequestSchema>;

export const WorkerFixSchema = z
  .object({
    /** Omitted by a worker reporting their own position; required when a dispatcher/simulator reports. */
    personId: z.number().int().positive().optional(),
    lon: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export const WorkerFixesSchema = z.object({ fixes: z.array(WorkerFixSchema).min(1).max(500) }).strict();
export type WorkerFixes = z.infer<typeof WorkerFixesSchema>;

// --- acks ---------------------------------------------------------------------------------------------

export type AckError = ApiErrorBody['error'];

export type EventsSyncAck =
  | { ok: true; resync: false; events: LiveEvent[]; lastEventId: number; serverTime: string }
  | { ok: true; resync: true; lastEventId: number; serverTime: string }
  | { ok: false; error: AckError };

export type WorkersReportAck = { ok: true; accepted: number } | { ok: false; error: AckError };

// --- the maps Socket.IO is typed with ----------------------------------------------------------------

export interface ServerToClientEvents {
  /** Committed events, in id order; never volatile. */
  'events:appended': (events: LiveEvent[]) => void;
  /** Latest grid-worker positions (volatile, ~1 Hz). */
  'workers:positions': (batch: WorkerPositionsBatch) => void;
  /** Recomputed KPIs (coalesced). */
  'kpis:updated': (kpis: Kpis) => void;
  /** Sent once on connect: which node, its newest event id, server time (for "data as of"). */
  'server:hello': (hello: { nodeId: string; lastEventId: number; serverTime: string }) => void;
}

export interface ClientToServerEvents {
  'events:sync': (req: EventsSyncRequest, ack: (res: EventsSyncAck) => void) => void;
  /** GPS fixes: a worker for themself, a dispatcher/admin (simulator) for any worker. */
  'workers:report': (req: WorkerFixes, ack: (res: WorkersReportAck) => void) => void;
}

/** Between server processes (through the cluster adapter): "I committed events, tail the table now". */
export interface InterServerEvents {
  'realtime:committed': () => void;
}

/** Room every street-wide viewer joins (wall, dispatcher, leader, planner, admin). */
export const STREET_ROOM = 'street';
export function gridRoom(gridId: number): string {
  return `grid:${gridId}`;
}
/**
 * Room of one grid worker (their person id): the cases assigned to them reach their phone even when the case
 * lies in another grid (a worker reads a case of their grid *or* assigned to them, server/auth/scope.ts).
 */
export function personRoom(personId: number): string {
  return `person:${personId}`;
}

/** The person an event's case is assigned to (for person-room routing), or null. */
export function eventAssigneeId(e: LiveEvent): number | null {
  const p = e.payload as { incident?: { assigneeId?: unknown } } | null;
  return p && p.incident && typeof p.incident.assigneeId === 'number' ? p.incident.assigneeId : null;
}
