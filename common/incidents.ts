// Incident commands and DTOs shared by server and client (PRODUCT.md §5, the closed loop). Every body and
// socket payload that changes an incident is validated with one of these schemas where it enters.
//
// Lifecycle: reported → accepted → assigned → in_progress → resolved → verified → closed; reported → rejected;
// a failed verification sends resolved → in_progress (rework_count + 1). The allowed changes are
// INCIDENT_TRANSITIONS in common/domain.ts, mirrored by the incident_transitions table and its trigger.
import { z } from 'zod';
import {
  INCIDENT_CATEGORIES,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  type IncidentCategory,
  type IncidentSeverity,
  type IncidentStatus,
} from './domain';
import type { ApiErrorBody } from './errors';
import type { IncidentLive } from './realtime';

// --- limits ------------------------------------------------------------------------------------------

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 4000;
/** The reply to the reporter (件件有回音); the database checks the same limit. */
export const REPLY_MAX = 2000;
export const NOTE_MAX = 2000;
export const PLAN_MAX = 4000;
export const BATCH_REPORT_MAX = 500;
export const LIST_LIMIT_MAX = 500;
export const IDEMPOTENCY_KEY_MAX = 200;

// --- input pieces ------------------------------------------------------------------------------------

/**
 * A WGS84 point. Non-finite numbers, strings and null are refused by z.number(); out-of-range values name the
 * allowed range. A latitude above 90 with a longitude that would be a valid latitude usually means the two
 * were swapped (GeoJSON order is lon, lat): the message says so.
 */
export const LonLatSchema = z
  .object({
    lon: z.number().min(-180, 'lon must be between -180 and 180 (WGS84 degrees)').max(180, 'lon must be between -180 and 180 (WGS84 degrees)'),
    lat: z
      .number()
      .min(-90, 'lat must be between -90 and 90 (WGS84 degrees); did you swap lon and lat?')
      .max(90, 'lat must be between -90 and 90 (WGS84 degrees); did you swap lon and lat?'),
  })
  .strict();
export type LonLat = z.infer<typeof LonLatSchema>;

const expectedVersion = z.number().int().min(1).max(2 ** 31 - 1).optional();
const personId = z.number().int().min(1).max(2 ** 31 - 1);
const note = z.string().trim().max(NOTE_MAX, `at most ${NOTE_MAX} characters`);

// --- commands ----------------------------------------------------------------------------------------

export const ReportIncidentSchema = z
  .object({
    category: z.enum(INCIDENT_CATEGORIES),
    severity: z.enum(INCIDENT_SEVERITIES).default('small'),
    title: z.string().trim().min(1, 'title must not be empty').max(TITLE_MAX, `at most ${TITLE_MAX} characters`),
    /** Stored verbatim as text (never interpreted as HTML); clients render it escaped. */
    description: z.string().max(DESCRIPTION_MAX, `at most ${DESCRIPTION_MAX} characters`).default(''),
    address: z.string().trim().max(500).optional(),
    location: LonLatSchema,
    reporterName: z.string().trim().min(1).max(100).optional(),
    reporterPhone: z.string().trim().regex(/^\+?[0-9][0-9 -]{2,29}$/, 'digits, spaces, dashes, optional leading +').optional(),
  })
  .strict();
export type ReportIncidentCommand = z.infer<typeof ReportIncidentSchema>;
export type ReportIncidentInput = z.input<typeof ReportIncidentSchema>;

export const BatchReportSchema = z
  .object({ reports: z.array(ReportIncidentSchema).min(1).max(BATCH_REPORT_MAX, `at most ${BATCH_REPORT_MAX} reports per batch`) })
  .strict();
export type BatchReportCommand = z.infer<typeof BatchReportSchema>;

export const AcceptSchema = z.object({ expectedVersion, note: note.optional() }).strict();
export const AssignSchema = z.object({ workerId: personId, expectedVersion, note: note.optional() }).strict();
export const StartSchema = z.object({ expectedVersion, note: note.optional() }).strict();
export const ResolveSchema = z.object({ expectedVersion, note: note.optional() }).strict();
export const VerifySchema = z
  .object({ passed: z.boolean(), expectedVersion, note: note.optional() })
  .strict()
  .refine((v) => v.passed || (v.note !== undefined && v.note.length > 0), {
    message: 'a failed verification needs a note saying what must be reworked',
    path: ['note'],
  });
export const CloseSchema = z
  .object({ expectedVersion, reply: z.string().trim().min(1).max(REPLY_MAX, `at most ${REPLY_MAX} characters`).optional() })
  .strict();
export const RejectSchema = z.object({ expectedVersion, reason: note.min(1, 'say why the report is rejected') }).strict();
export const EscalateSchema = z.object({ expectedVersion, reason: note.min(1, 'say why the case is escalated') }).strict();
export const PlanSchema = z
  .object({ expectedVersion, plan: z.string().trim().min(1, 'plan must not be empty').max(PLAN_MAX, `at most ${PLAN_MAX} characters`) })
  .strict();
export const LeaderSchema = z.object({ expectedVersion, leaderId: personId }).strict();
export const ReplySchema = z
  .object({ expectedVersion, reply: z.string().trim().min(1, 'reply must not be empty').max(REPLY_MAX, `at most ${REPLY_MAX} characters`) })
  .strict();
export const RatingSchema = z.object({ expectedVersion, satisfaction: z.number().int().min(1).max(5) }).strict();
export const ReopenSchema = z.object({ expectedVersion, reason: note.min(1, 'say why the closed case is re-opened') }).strict();

export type AcceptCommand = z.infer<typeof AcceptSchema>;
export type AssignCommand = z.infer<typeof AssignSchema>;
export type StartCommand = z.infer<typeof StartSchema>;
export type ResolveCommand = z.infer<typeof ResolveSchema>;
export type VerifyCommand = z.infer<typeof VerifySchema>;
export type CloseCommand = z.infer<typeof CloseSchema>;
export type RejectCommand = z.infer<typeof RejectSchema>;
export type EscalateCommand = z.infer<typeof EscalateSchema>;
export type PlanCommand = z.infer<typeof PlanSchema>;
export type LeaderCommand = z.infer<typeof LeaderSchema>;
export type ReplyCommand = z.infer<typeof ReplySchema>;
export type RatingCommand = z.infer<typeof RatingSchema>;
export type ReopenCommand = z.infer<typeof ReopenSchema>;

/** The REST verbs under POST /api/incidents/:id/<verb> and their schemas. */
export const INCIDENT_COMMANDS = {
  accept: AcceptSchema,
  assign: AssignSchema,
  start: StartSchema,
  resolve: ResolveSchema,
  verify: VerifySchema,
  close: CloseSchema,
  reject: RejectSchema,
  escalate: EscalateSchema,
  plan: PlanSchema,
  leader: LeaderSchema,
  reply: ReplySchema,
  rating: RatingSchema,
  reopen: ReopenSchema,
} as const;
export type IncidentCommandName = keyof typeof INCIDENT_COMMANDS;
export const INCIDENT_COMMAND_NAMES = Object.keys(INCIDENT_COMMANDS) as IncidentCommandName[];

// --- list query --------------------------------------------------------------------------------------

export const INCIDENT_SORTS = ['reported_at', '-reported_at', 'due_at', '-due_at', 'updated_at', '-updated_at', 'id', '-id'] as const;

const csvOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .max(500)
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?[0-9]{1,12}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`));

export const ListIncidentsQuerySchema = z
  .object({
    status: csvOf(INCIDENT_STATUSES).optional(),
    category: csvOf(INCIDENT_CATEGORIES).optional(),
    severity: z.enum(INCIDENT_SEVERITIES).optional(),
    community: intParam(1, 2 ** 31 - 1).optional(),
    grid: intParam(1, 2 ** 31 - 1).optional(),
    /** minLon,minLat,maxLon,maxLat (WGS84). */
    bbox: z
      .string()
      .max(200)
      .transform((s, ctx) => {
        const parts = s.split(',').map((p) => Number(p));
        const [a, b, c, d] = parts;
        const ok =
          parts.length === 4 &&
          parts.every(Number.isFinite) &&
          a >= -180 && c <= 180 && b >= -90 && d <= 90 && a < c && b < d;
        if (!ok) {
          ctx.addIssue({ code: 'custom', message: 'bbox is minLon,minLat,maxLon,maxLat with -180 ≤ minLon < maxLon ≤ 180 and -90 ≤ minLat < maxLat ≤ 90' });
          return z.NEVER;
        }
        return [a, b, c, d] as [number, number, number, number];
      })
      .optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    sort: z.enum(INCIDENT_SORTS).default('-reported_at'),
    limit: intParam(1, LIST_LIMIT_MAX).default(100),
    offset: intParam(0, 1_000_000).default(0),
  })
  .strict();
export type ListIncidentsQuery = z.infer<typeof ListIncidentsQuerySchema>;

// --- DTOs --------------------------------------------------------------------------------------------

/** The full incident as the API returns it. Reporter name and phone are masked unless the role allows. */
export interface IncidentDto extends IncidentLive {
  description: string;
  address: string | null;
  reporterName: string | null;
  reporterPhone: string | null;
  leaderId: number | null;
  plan: string | null;
  planDueAt: string | null;
  escalatedAt: string | null;
  resolvedBy: string | null;
  verifiedBy: string | null;
  reply: string | null;
  repliedAt: string | null;
  satisfaction: number | null;
  acceptedAt: string | null;
  assignedAt: string | null;
  resolvedAt: string | null;
  verifiedAt: string | null;
  /** 接单: when the assignee acknowledged the task on the phone app (null until then). */
  acknowledgedAt?: string | null;
}

export interface IncidentHistoryEntry {
  eventId: number;
  at: string;
  type: string;
  actor: string;
  reason: string | null;
  version: number | null;
  from: IncidentStatus | null;
  status: IncidentStatus | null;
}

export interface IncidentAuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  reason: string | null;
}

export interface IncidentDetailDto extends IncidentDto {
  history: IncidentHistoryEntry[];
  audit: IncidentAuditEntry[];
}

export interface IncidentListDto {
  items: IncidentDto[];
  total: number;
  limit: number;
  offset: number;
}

/** One stored report of a batch: enough to find it again (GET /api/incidents/:id) and to reconcile by version. */
export interface BatchReportItem {
  id: number;
  code: string;
  status: IncidentStatus;
  version: number;
  communityId: number;
  gridId: number | null;
  dueAt: string;
}

/** The answer to POST /api/incidents/batch, items in the order of the request. */
export interface BatchReportDto {
  count: number;
  items: BatchReportItem[];
}

/** A dispatch candidate for one incident (server/dispatch/recommend.ts). */
export interface CandidateDto {
  personId: number;
  /** Masked unless the caller may see names. */
  name: string;
  role: 'grid_worker' | 'volunteer' | 'community_staff' | 'cadre';
  gridId: number | null;
  /** The worker of the grid the incident lies in (ranked first when on duty). */
  ownGrid: boolean;
  onDuty: boolean;
  /** Assignable now (on duty); an off-duty owning-grid worker is listed last with available = false. */
  available: boolean;
  position: [number, number] | null;
  /** Walking time over the network from the incident to the candidate, seconds; null when unreachable. */
  walkSeconds: number | null;
  walkMeters: number | null;
  /** Open tasks (assigned or in progress). */
  workload: number;
  /** The walking route (GeoJSON LineString, incident → candidate) for the top candidates, when available. */
  route: { type: 'LineString'; coordinates: [number, number][] } | null;
  rank: number;
}

export interface CandidatesDto {
  incidentId: number;
  incidentVersion: number;
  /** Where walking times come from (the walk engine's name), so the UI can say so. */
  walkSource: string;
  candidates: CandidateDto[];
}

// --- socket commands ---------------------------------------------------------------------------------

/** Socket commands carry a commandId (the idempotency key: a retry after a lost ack has one effect). */
const commandId = z.string().trim().min(8, 'commandId: at least 8 characters (use a UUID)').max(IDEMPOTENCY_KEY_MAX);

export const SocketReportSchema = z.object({ commandId, report: ReportIncidentSchema }).strict();

/** `incident:<verb>` payload: the body is validated with INCIDENT_COMMANDS[verb]. */
export const SocketCommandSchema = z
  .object({ commandId, incidentId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), body: z.unknown().default({}) })
  .strict();
export type SocketCommand = z.input<typeof SocketCommandSchema>;

export type IncidentAck<T> = { ok: true; data: T } | { ok: false; error: ApiErrorBody['error'] };

/** Socket events for incident commands: `incident:report`, and `incident:<verb>` for every REST verb. */
export type IncidentClientToServerEvents = {
  'incident:report': (req: z.input<typeof SocketReportSchema>, ack: (res: IncidentAck<IncidentDto>) => void) => void;
} & {
  [K in IncidentCommandName as `incident:${K}`]: (req: SocketCommand, ack: (res: IncidentAck<IncidentDto>) => void) => void;
};

export type { IncidentCategory, IncidentSeverity, IncidentStatus };
