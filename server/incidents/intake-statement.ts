// Intake in ONE statement (issue 15 item 1). A report used to be six round trips inside its transaction —
// point-in-polygon, nextval, the incident row, the audit row, the event row under the ordering lock, COMMIT —
// and the profile (bench/ingest-stages.ts) showed each round trip, not the work in it, was the cost on a busy
// machine. This statement does all of it at once: it locates every point (ST_Covers on the GiST-indexed grids,
// the community only where no grid covers it), numbers the rows, inserts the incidents, their audit rows and
// their `incident.reported` events, and answers one row per input in input order. Without an idempotency key
// the caller runs it on its own (autocommit): a single statement is atomic, so rows, audit and events still
// commit together or not at all.
//
// Guarantees kept:
//  - events ids commit in increasing order: the events INSERT reads the `ordered` row (the advisory lock of
//    append-event.ts) and its rows pass a sort before the first id is drawn, so the lock is held before any
//    event id exists, until COMMIT;
//  - a point outside every community is not inserted, and with `allOrNothing` (a batch) nothing is inserted
//    when any point is outside: the caller names the first one (OUT_OF_JURISDICTION);
//  - the event payload is incidentPayload() of the inserted row, built in SQL from the same RETURNING columns
//    (tests/incidents/intake-statement.test.ts compares the two for every row shape).
import { prepared, type Queryable } from '../db/db';
import { EVENTS_APPEND_LOCK } from '../events/append-event';
import type { ReportIncidentCommand } from '../../common/incidents';
import type { IncidentEventType } from '../../common/realtime';
import { INCIDENT_COLUMNS, type IncidentRow } from './incident-row';
import { dueTimes, shanghaiDateStamp } from './due-times';

export interface IntakeRow {
  report: ReportIncidentCommand;
  actor: string;
  ip: string | null;
  source: string;
  /** incidents.idempotency_key and events.command_id, or null without a key. */
  key: string | null;
}

export interface IntakeOptions {
  /** Insert nothing when any point is outside every community (batch intake: all or none). */
  allOrNothing: boolean;
  /**
   * Append the `incident.reported` events in the statement. False when the caller must write something else
   * first (a resident's tracking code) and appends the events itself, last before COMMIT.
   */
  withEvents: boolean;
}

/** Per input, in input order: the inserted row, or null when its point is outside (or the batch was refused). */
export interface IntakeOutcome {
  row: IncidentRow | null;
  inside: boolean;
}

/** ISO-8601 in UTC with milliseconds, as Date.prototype.toISOString() writes it (iso() in incident-row.ts). */
const isoSql = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The live payload of common/realtime.ts (IncidentEventPayload, no personal data) from a row of `inserted`:
 * the SQL twin of incidentPayload(row) for a new incident (no `from`).
 */
export const LIVE_PAYLOAD_SQL = `jsonb_build_object(
  'incident', jsonb_build_object(
    'id', i.id, 'code', i.code, 'category', i.category, 'severity', i.severity, 'status', i.status, 'title', i.title,
    'communityId', i.community_id, 'gridId', i.grid_id, 'lon', i.lon, 'lat', i.lat, 'assigneeId', i.assignee_id,
    'source', i.source, 'reportedAt', coalesce(${isoSql('i.reported_at')}, ''), 'dueAt', coalesce(${isoSql('i.due_at')}, ''),
    'closedAt', ${isoSql('i.closed_at')}, 'escalationLevel', i.escalation_level, 'reworkCount', i.rework_count,
    'version', i.version, 'updatedAt', coalesce(${isoSql('i.updated_at')}, '')),
  'gridId', i.grid_id)`;

const REPORTED: IncidentEventType = 'incident.reported';

function intakeSql(withEvents: boolean): string {
  return `
WITH input AS (
  SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::float8[],
                       $11::float8[], $12::timestamptz[], $13::timestamptz[], $14::text[], $15::text[], $16::text[], $17::text[])
    WITH ORDINALITY AS t(category, severity, title, description, address, reporter_name, reporter_phone, lon, lat,
                         due_at, plan_due_at, idem, source, actor, ip, ord)
),
located AS (
  -- COALESCE evaluates the community lookup only for points in no grid; where polygons touch the lowest id wins
  SELECT t.*, g.id AS grid_id,
         COALESCE(g.community_id, (SELECT c.id FROM communities c WHERE ST_Covers(c.geom, x.pt) ORDER BY c.id LIMIT 1)) AS community_id
    FROM input t
    CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS pt) AS x
    LEFT JOIN LATERAL (SELECT id, community_id FROM grids WHERE ST_Covers(geom, x.pt) ORDER BY id LIMIT 1) g ON true
),
numbered AS (
  SELECT l.*, nextval('incidents_id_seq') AS id
    FROM (SELECT * FROM located
           WHERE community_id IS NOT NULL AND NOT ($18::boolean AND EXISTS (SELECT 1 FROM located o WHERE o.community_id IS NULL))
           ORDER BY ord) AS l
),
inserted AS (
  INSERT INTO incidents AS i (id, code, category, severity, title, description, address, source, reporter_name,
    reporter_phone, community_id, grid_id, geom, leader_id, due_at, plan_due_at, reported_at, updated_at, idempotency_key)
  SELECT n.id, 'INC-' || $2::text || '-' || repeat('0', greatest(0, 6 - length(n.id::text))) || n.id::text,
         n.category, n.severity, n.title, n.description, n.address, n.source, n.reporter_name, n.reporter_phone,
         n.community_id, n.grid_id, ST_SetSRID(ST_MakePoint(n.lon, n.lat), 4326),
         CASE WHEN n.severity = 'big' THEN (SELECT c.leader_id FROM communities c WHERE c.id = n.community_id) END,
         n.due_at, n.plan_due_at, $1::timestamptz, $1::timestamptz, n.idem
    FROM numbered n ORDER BY n.id
  RETURNING ${INCIDENT_COLUMNS}
),
audited AS (
  INSERT INTO audit_log (actor, action, entity_type, entity_id, detail, ip)
  SELECT n.actor, 'incident.report', 'incident', i.id::text,
         jsonb_build_object('code', i.code, 'category', i.category, 'severity', i.severity, 'source', i.source,
                            'communityId', i.community_id, 'gridId', i.grid_id),
         n.ip
    FROM inserted i JOIN numbered n ON n.id = i.id
   ORDER BY i.id
)${withEvents ? `,
ordered AS (SELECT pg_advisory_xact_lock($19::bigint) AS locked),
evented AS (
  INSERT INTO events (type, entity_type, entity_id, version, actor, command_id, payload)
  SELECT $20, 'incident', i.id::text, i.version, n.actor, n.idem, ${LIVE_PAYLOAD_SQL}
    FROM ordered, inserted i JOIN numbered n ON n.id = i.id
   ORDER BY i.id
)` : ''}
SELECT l.ord, l.community_id IS NOT NULL AS inside, i.*
  FROM located l
  LEFT JOIN numbered n ON n.ord = l.ord
  LEFT JOIN inserted i ON i.id = n.id
 ORDER BY l.ord`;
}

// Prepared: planning this statement cost about as much as running it for a handful of rows.
const SQL_WITH_EVENTS = prepared(intakeSql(true));
const SQL_WITHOUT_EVENTS = prepared(intakeSql(false));

/**
 * Runs both intake statements over one report at lon 0, lat 0 — outside every community, so it is located
 * (the GiST lookups and PostGIS functions run) and then inserts nothing and draws no id — so that the first
 * real report after a start does not pay for loading the catalogs and planning this statement cold. On
 * PGlite the first intake took ~320 ms against ~25 ms after it; that cold cost, multiplied on a loaded
 * machine, is what the wall's "on screen within 1 s of the report" has to absorb.
 */
export async function warmIntake(q: Queryable, now: Date): Promise<void> {
  const one = (v: unknown) => [v];
  const params: unknown[] = [now, shanghaiDateStamp(now), one('other'), one('small'), one('warm-up'), one(''), one(null), one(null), one(null),
    one(0), one(0), one(now.toISOString()), one(null), one(null), one('warm-up'), one('system'), one(null), false];
  await q.query(SQL_WITHOUT_EVENTS, params);
  await q.query(SQL_WITH_EVENTS, [...params, EVENTS_APPEND_LOCK, REPORTED]);
}

type OutRow = Partial<IncidentRow> & { ord: number; inside: boolean; id: number | null };

/** Runs the intake statement on `q` (a transaction, or the database itself for an autocommit statement). */
export async function runIntake(q: Queryable, now: Date, rows: readonly IntakeRow[], options: IntakeOptions): Promise<IntakeOutcome[]> {
  if (rows.length === 0) return [];
  const due = rows.map((r) => dueTimes(r.report.severity, now));
  const params: unknown[] = [
    now,
    shanghaiDateStamp(now),
    rows.map((r) => r.report.category),
    rows.map((r) => r.report.severity),
    rows.map((r) => r.report.title),
    rows.map((r) => r.report.description),
    rows.map((r) => r.report.address ?? null),
    rows.map((r) => r.report.reporterName ?? null),
    rows.map((r) => r.report.reporterPhone ?? null),
    rows.map((r) => r.report.location.lon),
    rows.map((r) => r.report.location.lat),
    due.map((d) => d.dueAt.toISOString()),
    due.map((d) => d.planDueAt?.toISOString() ?? null),
    rows.map((r) => r.key),
    rows.map((r) => r.source),
    rows.map((r) => r.actor),
    rows.map((r) => r.ip),
    options.allOrNothing,
  ];
  if (options.withEvents) params.push(EVENTS_APPEND_LOCK, REPORTED);
  const res = await q.query<OutRow>(options.withEvents ? SQL_WITH_EVENTS : SQL_WITHOUT_EVENTS, params);
  return res.rows.map((r) => {
    if (r.id == null) return { row: null, inside: r.inside };
    const { ord: _ord, inside: _inside, ...row } = r;
    return { row: row as IncidentRow, inside: true };
  });
}
