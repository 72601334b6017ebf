// The closed loop of PRODUCT.md §5 as commands. Each command is ONE transaction:
//   idempotency claim → load → check state and version → UPDATE … WHERE id = $1 AND version = $2
//   → event row → audit row → stored answer → COMMIT → notify the publisher.
// The guarded UPDATE is what makes "two dispatchers never both win": on PostgreSQL a concurrent UPDATE of
// the same row waits for the first to commit, then re-checks `version = $2`, finds it changed and updates
// nothing; the loser re-reads the row and answers 409 with the current state. There is no
// SELECT-then-UPDATE window. The trigger on incidents refuses illegal status changes a second time.
import {
  canTransition,
  OPEN_STATUSES,
  type IncidentStatus,
  type UserRole,
} from '../../common/domain';
import { AppError, type ErrorCode } from '../../common/errors';
import {
  BATCH_REPORT_MAX,
  type AcceptCommand,
  type AssignCommand,
  type BatchReportDto,
  type CloseCommand,
  type EscalateCommand,
  type IncidentDto,
  type LeaderCommand,
  type PlanCommand,
  type RatingCommand,
  type ReopenCommand,
  type RejectCommand,
  type ReplyCommand,
  type ReportIncidentCommand,
  type ResolveCommand,
  type StartCommand,
  type VerifyCommand,
} from '../../common/incidents';
import type { IncidentEventType } from '../../common/realtime';
import { SPAM_REASON, type SpamCommand } from '../../common/resident';
import type { Clock } from '../clock';
import { isUnavailableError, type Db, type Queryable } from '../db/db';
import { appendEvent } from '../events/append-event';
import { audit } from '../audit/audit';
import { requestHash, runIdempotent } from './idempotency';
import { INCIDENT_COLUMNS, loadIncident, toDto, toLive, type IncidentRow } from './incident-row';
import { appendReportedEvents, incidentPayload } from './incident-events';
import { runIntake, type IntakeOutcome, type IntakeRow } from './intake-statement';
import { outsideJurisdiction } from './jurisdiction';
import { mayReadCase } from '../auth/scope';

export type IncidentSource = 'api' | 'socket' | 'open311' | 'simulator' | 'sample' | 'import' | 'resident' | 'patrol';

/** Who is acting and how the command arrived. */
export interface CommandContext {
  /** "user:12", "system:escalation", "open311:<client>" … */
  actor: string;
  role: UserRole | null;
  /** The person record of the caller (a grid worker acting on their own tasks). */
  personId: number | null;
  /** A grid worker's grid (their scope, server/auth/scope.ts); absent for every other caller. */
  scopeGridId?: number | null;
  /** REST Idempotency-Key or socket commandId. */
  idempotencyKey?: string;
  source?: IncidentSource;
  ip?: string | null;
  /**
   * Runs inside the report's transaction right after its incident, event and audit rows are written, so a
   * record that must exist exactly when the incident does (a resident's tracking code) commits with it.
   */
  afterInsert?: (tx: Queryable, row: IncidentRow) => Promise<void>;
}

export interface CommandResult<T = IncidentDto> {
  status: number;
  body: T;
  replayed: boolean;
}

export interface IncidentServiceDeps {
  db: Db;
  clock: Clock;
  /** Called after every commit so the realtime publisher pushes the new events without waiting to poll. */
  onCommitted?: () => void;
  /** How long a busy intake waits to gather the next group (config INTAKE_GATHER_MS; see the group commit below). */
  intakeGatherMs?: number;
}

/** People who can be sent to an incident. */
const ASSIGNABLE_ROLES = ['grid_worker', 'volunteer', 'community_staff', 'cadre'] as const;
/** People who can own a big case (领导包案). */
const LEADER_ROLES = ['street_leader', 'cadre', 'community_secretary'] as const;

/** Columns a command may set: the only identifiers that reach the UPDATE statement. */
const SETTABLE = new Set([
  'status', 'assignee_id', 'accepted_at', 'assigned_at', 'resolved_by', 'resolved_at', 'verified_by', 'verified_at',
  'closed_at', 'rework_count', 'escalation_level', 'escalated_at', 'plan', 'leader_id', 'reply', 'replied_at',
  'satisfaction', 'acknowledged_at',
] as const);
type SettableColumn = typeof SETTABLE extends Set<infer C> ? C : never;

interface Change {
  to?: IncidentStatus;
  set: Partial<Record<SettableColumn, string | number | Date | null>>;
  eventType: IncidentEventType;
  /** Audit action, e.g. 'incident.assign'. */
  action: string;
  reason?: string | null;
  detail?: Record<string, unknown>;
}

type Planner = (current: IncidentRow, tx: Queryable, now: Date) => Promise<Change> | Change;

function conflict(code: Extract<ErrorCode, 'ASSIGNMENT_CONFLICT' | 'STALE_VERSION'>, current: IncidentRow, role: UserRole | null): AppError {
  const message =
    code === 'ASSIGNMENT_CONFLICT'
      ? `incident ${current.code} was changed by someone else (now ${current.status}, version ${current.version}${current.assignee_id ? `, assigned to person ${current.assignee_id}` : ''}); reload before assigning`
      : `incident ${current.code} is at version ${current.version}, not the version this command expected; reload and retry`;
  return new AppError(code, message, 'expectedVersion', { current: toDto(current, role) });
}

function invalid(current: IncidentRow, to: string, why?: string): AppError {
  return new AppError(
    'INVALID_TRANSITION',
    why ?? `incident ${current.code} is ${current.status}; it cannot go to ${to}`,
    'status',
    { status: current.status, version: current.version },
  );
}

function requireStatus(current: IncidentRow, allowed: readonly IncidentStatus[], to: string): void {
  if (!allowed.includes(current.status)) throw invalid(current, to);
}

/** A grid worker acts only on tasks assigned to them; dispatchers and admins act on any. */
function requireHandler(ctx: CommandContext, current: IncidentRow): void {
  if (ctx.role === 'worker' && (ctx.personId == null || ctx.personId !== current.assignee_id)) {
    throw new AppError('FORBIDDEN', `incident ${current.code} is not assigned to you`);
  }
}

export function createIncidentService(deps: IncidentServiceDeps) {
  const { db, clock } = deps;
  const notify = () => {
    try {
      deps.onCommitted?.();
    } catch {
      // The publisher also polls; a failed nudge only delays the push.
    }
  };

  // --- intake ---------------------------------------------------------------------------------------

  interface IntakeItem {
    ctx: CommandContext;
    report: ReportIncidentCommand;
    /** Value for incidents.idempotency_key / events.command_id, or null without a key. */
    key: string | null;
  }

  /** The intake statement's input row of an item. */
  const intakeRow = (it: IntakeItem): IntakeRow => ({
    report: it.report, actor: it.ctx.actor, ip: it.ctx.ip ?? null, source: it.ctx.source ?? 'api', key: it.key,
  });

  /**
   * Locates and inserts reports on `q` (server/incidents/intake-statement.ts: rows, audit and events in one
   * statement). An item with an afterInsert hook (a resident's tracking code) needs its record written after the
   * incident and before the events, so such a group runs the statement without events, then the hooks, then the
   * events (last: the events lock serialises every writer from there to COMMIT); `q` must be a transaction then.
   */
  async function insertReports(q: Queryable, items: readonly IntakeItem[], allOrNothing: boolean): Promise<IntakeOutcome[]> {
    const hooks = items.some((it) => it.ctx.afterInsert);
    const out = await runIntake(q, clock.now(), items.map(intakeRow), { allOrNothing, withEvents: !hooks });
    if (hooks) {
      const done = items.flatMap((it, i) => (out[i].row ? [{ it, row: out[i].row as IncidentRow }] : []));
      for (const { it, row } of done) if (it.ctx.afterInsert) await it.ctx.afterInsert(q, row);
      await appendReportedEvents(q, done.map((d) => d.row), done.map((d) => d.it.ctx.actor), done.map((d) => d.it.key));
    }
    return out;
  }

  /** True when the items can go as one autocommit statement: no key to claim, no hook to run in between. */
  const plainIntake = (ctxs: readonly CommandContext[]) => ctxs.every((c) => c.idempotencyKey === undefined && !c.afterInsert);

  const reportScope = (ctx: CommandContext) => `incident.report:${ctx.actor}`;

  /** One report in its own transaction (also the fallback when a shared group commit fails). */
  async function reportOne(ctx: CommandContext, cmd: ReportIncidentCommand): Promise<CommandResult> {
    const scope = reportScope(ctx);
    const key = ctx.idempotencyKey === undefined ? null : `${scope}|${ctx.idempotencyKey}`;
    if (plainIntake([ctx])) {
      // One statement, atomic on its own: no BEGIN/COMMIT round trips.
      const [o] = await insertReports(db, [{ ctx, report: cmd, key }], true);
      if (!o.row) throw outsideJurisdiction(cmd.location, 'body.location');
      return { status: 201, body: toDto(o.row, ctx.role), replayed: false };
    }
    return runIdempotent<IncidentDto>(db, { scope, key: ctx.idempotencyKey, request: cmd }, async (tx) => {
      const [o] = await insertReports(tx, [{ ctx, report: cmd, key }], true);
      if (!o.row) throw outsideJurisdiction(cmd.location, 'body.location');
      return { status: 201, body: toDto(o.row, ctx.role) };
    });
  }

  // Group commit. Every report is its own command with its own idempotency record, event and audit row, but
  // reports that arrive while the previous commit is in flight share the next intake statement (and transaction). Commits are
  // serialised anyway (the events lock orders them), and a commit waits for the disk: sharing it is what lets
  // intake keep up with plain INSERTs (bench/ingest.ts). The first report of a quiet moment goes at once.
  interface Pending {
    ctx: CommandContext;
    cmd: ReportIncidentCommand;
    hash: string;
    resolve: (r: CommandResult) => void;
    reject: (err: unknown) => void;
  }
  const queue: Pending[] = [];
  const gatherMs = deps.intakeGatherMs ?? 0;
  let inFlight = false;
  let gatherTimer: NodeJS.Timeout | undefined;
  /** Queue length at which a gathering intake goes at once (the waiting reports + the answered ones not yet back). */
  let gatherTarget = 0;
  /** The group in flight: whether its answers went out, and how many reports arrived after that (clients back). */
  let flight = { answered: false, returned: 0 };

  function startGroup(): void {
    if (gatherTimer) clearTimeout(gatherTimer);
    gatherTimer = undefined;
    if (inFlight || queue.length === 0) return;
    inFlight = true;
    const group = queue.splice(0, BATCH_REPORT_MAX);
    const f = { answered: false, returned: 0 };
    flight = f;
    for (const p of group) {
      const { resolve, reject } = p;
      p.resolve = (r) => {
        f.answered = true;
        resolve(r);
      };
      p.reject = (err) => {
        f.answered = true;
        reject(err);
      };
    }
    // commitGroup settles every report itself; should it ever throw, its reports get the error (settling an
    // already settled promise does nothing) rather than waiting forever.
    void commitGroup(group)
      .catch((err: unknown) => {
        for (const p of group) p.reject(err);
      })
      .finally(() => {
        inFlight = false;
        // Busy: reports waited during this group, and the clients it answered may send again within a moment.
        // Waiting up to gatherMs for those not back yet puts them in the next group (one statement, one WAL
        // flush) instead of a group of their own one flush later. A caller that sent again at once is back already.
        const missing = Math.max(0, group.length - f.returned);
        gatherTarget = Math.min(BATCH_REPORT_MAX, queue.length + missing);
        if (gatherMs > 0 && queue.length > 0 && missing > 0 && queue.length < gatherTarget) gatherTimer = setTimeout(startGroup, gatherMs);
        else startGroup();
      });
  }

  async function commitGroup(group: Pending[]): Promise<void> {
    if (group.length === 1) {
      const [p] = group;
      await reportOne(p.ctx, p.cmd).then((r) => {
        notify();
        p.resolve(r);
      }, p.reject);
      return;
    }
    // Retries of one key inside one group follow their leader; a same-key, different-body request waits for
    // the next group (where it meets the stored answer and is refused as a mismatch).
    const leaders: Pending[] = [];
    const followers = new Map<Pending, Pending[]>();
    const byKey = new Map<string, Pending>();
    for (const p of group) {
      if (p.ctx.idempotencyKey === undefined) {
        leaders.push(p);
        continue;
      }
      const k = `${reportScope(p.ctx)}|${p.ctx.idempotencyKey}`;
      const leader = byKey.get(k);
      if (!leader) {
        byKey.set(k, p);
        leaders.push(p);
      } else if (leader.hash === p.hash) {
        followers.set(leader, [...(followers.get(leader) ?? []), p]);
      } else {
        queue.unshift(p);
      }
    }
    type Outcome = { ok: true; result: CommandResult } | { ok: false; err: unknown };
    let outcomes: Map<Pending, Outcome>;
    const outside = (p: Pending): Outcome => ({ ok: false, err: outsideJurisdiction(p.cmd.location, 'body.location') });
    try {
      if (plainIntake(leaders.map((p) => p.ctx))) {
        // The common case: one autocommit statement for the whole group (one round trip, one commit).
        const res = await insertReports(db, leaders.map((p) => ({ ctx: p.ctx, report: p.cmd, key: null })), false);
        outcomes = new Map(leaders.map((p, i): [Pending, Outcome] => {
          const row = res[i].row;
          return [p, row ? { ok: true, result: { status: 201, body: toDto(row, p.ctx.role), replayed: false } } : outside(p)];
        }));
      } else outcomes = await db.transaction(async (tx) => {
        const out = new Map<Pending, Outcome>();
        const insert: Array<{ p: Pending; key: string | null }> = [];
        for (const p of leaders) {
          const key = p.ctx.idempotencyKey;
          if (key !== undefined) {
            const scope = reportScope(p.ctx);
            const claim = await tx.query(
              `INSERT INTO idempotency_keys (scope, key, request_hash, status, response)
               VALUES ($1, $2, $3, 0, 'null'::jsonb) ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
              [scope, key, p.hash],
            );
            if (claim.rowCount === 0) {
              const stored = await tx.query<{ request_hash: string; status: number; response: IncidentDto }>(
                'SELECT request_hash, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2',
                [scope, key],
              );
              const row = stored.rows[0];
              out.set(
                p,
                row && row.request_hash === p.hash
                  ? { ok: true, result: { status: row.status, body: row.response, replayed: true } }
                  : { ok: false, err: new AppError('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was already used for a different request; use a new key for a new request', 'Idempotency-Key') },
              );
              continue;
            }
          }
          insert.push({ p, key: key === undefined ? null : `${reportScope(p.ctx)}|${key}` });
        }
        if (insert.length > 0) {
          const res = await insertReports(tx, insert.map((x) => ({ ctx: x.p.ctx, report: x.p.cmd, key: x.key })), false);
          const answers: Array<{ x: (typeof insert)[number]; body: IncidentDto }> = [];
          const unclaim: Pending[] = [];
          insert.forEach((x, i) => {
            const row = res[i].row;
            if (row) answers.push({ x, body: toDto(row, x.p.ctx.role) });
            else {
              out.set(x.p, outside(x.p));
              if (x.p.ctx.idempotencyKey !== undefined) unclaim.push(x.p);
            }
          });
          // A refused report stores no answer: its key is released, so a corrected retry with it is a new request.
          if (unclaim.length > 0) {
            await tx.query(
              `DELETE FROM idempotency_keys AS k USING unnest($1::text[], $2::text[]) AS u(scope, key) WHERE k.scope = u.scope AND k.key = u.key`,
              [unclaim.map((p) => reportScope(p.ctx)), unclaim.map((p) => p.ctx.idempotencyKey)],
            );
          }
          // One statement for all stored answers: this runs inside the events lock (one round trip per
          // report here was one round trip per report for every writer of the street).
          const keyed = answers.filter((a) => a.x.p.ctx.idempotencyKey !== undefined);
          if (keyed.length > 0) {
            await tx.query(
              `UPDATE idempotency_keys AS k SET status = 201, response = u.response::jsonb
                 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(scope, key, response)
                WHERE k.scope = u.scope AND k.key = u.key`,
              [keyed.map((a) => reportScope(a.x.p.ctx)), keyed.map((a) => a.x.p.ctx.idempotencyKey), keyed.map((a) => JSON.stringify(a.body))],
            );
          }
          for (const { x, body } of answers) out.set(x.p, { ok: true, result: { status: 201, body, replayed: false } });
        }
        return out;
      });
    } catch (err) {
      if (isUnavailableError(err)) {
        for (const p of group) if (!queue.includes(p)) p.reject(err);
        return;
      }
      // Something unexpected in the shared transaction: nothing of it was stored. Each report gets its own.
      for (const p of leaders) {
        const answer = reportOne(p.ctx, p.cmd);
        await answer.then(p.resolve, p.reject);
        for (const f of followers.get(p) ?? []) await reportOne(f.ctx, f.cmd).then(f.resolve, f.reject);
      }
      return;
    }
    notify();
    for (const p of leaders) {
      const o = outcomes.get(p) as Outcome;
      if (o.ok) p.resolve(o.result);
      else p.reject(o.err);
      for (const f of followers.get(p) ?? []) {
        if (o.ok) f.resolve({ ...o.result, replayed: true });
        else f.reject(o.err);
      }
    }
  }

  /** Reports one incident (201), or returns the stored answer of an earlier request with the same key. */
  function reportIncident(ctx: CommandContext, cmd: ReportIncidentCommand): Promise<CommandResult> {
    return new Promise<CommandResult>((resolve, reject) => {
      // The hash recognises a retry with the same key; a report without a key needs none (it cost ~3% of a report's CPU).
      queue.push({ ctx, cmd, hash: ctx.idempotencyKey === undefined ? '' : requestHash(cmd), resolve, reject });
      if (inFlight && flight.answered) flight.returned++;
      // A quiet moment: the report goes at once. Gathering: go as soon as the group is as large as expected.
      if (!gatherTimer || queue.length >= gatherTarget) startGroup();
    });
  }

  /** Up to BATCH_REPORT_MAX reports in one transaction: all are stored, or none (the first bad one is named). */
  async function reportBatch(ctx: CommandContext, reports: readonly ReportIncidentCommand[]): Promise<CommandResult<BatchReportDto>> {
    const scope = `incident.report-batch:${ctx.actor}`;
    const keyBase = ctx.idempotencyKey === undefined ? null : `${scope}|${ctx.idempotencyKey}`;
    const effect = async (q: Queryable) => {
      const res = await insertReports(q, reports.map((report, i) => ({ ctx, report, key: keyBase === null ? null : `${keyBase}#${i}` })), true);
      const firstOutside = res.findIndex((o) => !o.inside);
      // allOrNothing: with one point outside nothing was inserted; the first one is named
      if (firstOutside >= 0) throw outsideJurisdiction(reports[firstOutside].location, `body.reports.${firstOutside}.location`);
      // A slim answer: a batch is for systems feeding many reports; the full incidents are one GET away.
      const items = res.map((o) => {
        const live = toLive(o.row as IncidentRow);
        return { id: live.id, code: live.code, status: live.status, version: live.version, communityId: live.communityId, gridId: live.gridId, dueAt: live.dueAt };
      });
      return { status: 201, body: { count: items.length, items } };
    };
    // Without a key the batch is one autocommit statement: all stored, or none.
    const result: CommandResult<BatchReportDto> = plainIntake([ctx])
      ? { ...(await effect(db)), replayed: false }
      : await runIdempotent<BatchReportDto>(db, { scope, key: ctx.idempotencyKey, request: reports }, effect);
    notify();
    return result;
  }

  // --- state changes --------------------------------------------------------------------------------

  async function applyCommand(
    ctx: CommandContext,
    id: number,
    name: string,
    body: unknown,
    expectedVersion: number | undefined,
    conflictCode: 'ASSIGNMENT_CONFLICT' | 'STALE_VERSION',
    plan: Planner,
  ): Promise<CommandResult> {
    const scope = `incident.${name}:${ctx.actor}`;
    const result = await runIdempotent<IncidentDto>(db, { scope, key: ctx.idempotencyKey, request: { id, body } }, async (tx) => {
      const current = await loadIncident(tx, id);
      if (!current) throw new AppError('NOT_FOUND', `no incident with id ${id}`, 'id');
      // A case the caller may not see answers as a missing one, so no refusal carries its code, state or version.
      if (!mayReadCase(ctx, current)) throw new AppError('NOT_FOUND', `no incident with id ${id}`, 'id');
      if (expectedVersion !== undefined && expectedVersion !== current.version) throw conflict(conflictCode, current, ctx.role);
      const now = clock.now();
      const change = await plan(current, tx, now);
      if (change.to !== undefined && change.to !== current.status && !canTransition(current.status, change.to)) {
        throw invalid(current, change.to);
      }
      const set: Array<[SettableColumn, unknown]> = Object.entries(change.set).map(([k, v]) => {
        if (!SETTABLE.has(k as SettableColumn)) throw new Error(`column ${k} is not settable`);
        return [k as SettableColumn, v instanceof Date ? v.toISOString() : v];
      });
      if (change.to !== undefined) set.push(['status', change.to]);
      const params: unknown[] = [id, current.version, now.toISOString(), ...set.map(([, v]) => v)];
      const assignments = set.map(([col], i) => `${col} = $${i + 4}`);
      const updated = await tx.query<IncidentRow>(
        `UPDATE incidents AS i SET ${[...assignments, 'version = i.version + 1', 'updated_at = $3'].join(', ')}
          WHERE i.id = $1 AND i.version = $2
          RETURNING ${INCIDENT_COLUMNS}`,
        params,
      );
      const row = updated.rows[0];
      if (!row) {
        // Lost a race: another transaction changed the row between our read and our write.
        const latest = await loadIncident(tx, id);
        if (!latest) throw new AppError('NOT_FOUND', `no incident with id ${id}`, 'id');
        throw conflict(conflictCode, latest, ctx.role);
      }
      await audit(tx, {
        actor: ctx.actor,
        action: change.action,
        entityType: 'incident',
        entityId: row.id,
        reason: change.reason ?? null,
        detail: { from: current.status, to: row.status, version: row.version, ...change.detail },
        ip: ctx.ip ?? null,
      });
      const commandId = ctx.idempotencyKey === undefined ? null : `${scope}|${ctx.idempotencyKey}`;
      // Last before COMMIT: the events lock serialises every writer from here on.
      await appendEvent(tx, {
        type: change.eventType,
        entityType: 'incident',
        entityId: row.id,
        version: row.version,
        actor: ctx.actor,
        reason: change.reason ?? null,
        commandId,
        payload: incidentPayload(row, current.status),
      });
      return { status: 200, body: toDto(row, ctx.role) };
    });
    notify();
    return result;
  }

  async function acceptIncident(ctx: CommandContext, id: number, cmd: AcceptCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'accept', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur, _tx, now) => {
      requireStatus(cur, ['reported'], 'accepted');
      return { to: 'accepted', set: { accepted_at: now }, eventType: 'incident.accepted', action: 'incident.accept', reason: cmd.note };
    });
  }

  /**
   * First dispatch needs status `accepted`. Re-assigning an incident that is already assigned or in
   * progress is allowed only with `expectedVersion` equal to the current version (the dispatcher saw the
   * current assignment); otherwise it is an ASSIGNMENT_CONFLICT carrying the current state.
   */
  async function assignIncident(ctx: CommandContext, id: number, cmd: AssignCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'assign', cmd, cmd.expectedVersion, 'ASSIGNMENT_CONFLICT', async (cur, tx, now) => {
      if (cur.status === 'assigned' || cur.status === 'in_progress') {
        if (cmd.expectedVersion === undefined) throw conflict('ASSIGNMENT_CONFLICT', cur, ctx.role);
      } else if (cur.status !== 'accepted') {
        throw invalid(cur, 'assigned', cur.status === 'reported' ? `incident ${cur.code} must be accepted before it is assigned` : undefined);
      }
      const worker = await tx.query<{ id: number; role: string; on_duty: boolean; left_at: Date | string | null }>(
        'SELECT id, role, on_duty, left_at FROM people WHERE id = $1',
        [cmd.workerId],
      );
      const w = worker.rows[0];
      if (!w) throw new AppError('NOT_FOUND', `no person with id ${cmd.workerId}`, 'body.workerId');
      if (w.left_at != null) throw new AppError('WORKER_UNAVAILABLE', `person ${w.id} has left the roll (离册); choose a candidate on this month's roll`, 'body.workerId');
      if (!(ASSIGNABLE_ROLES as readonly string[]).includes(w.role)) {
        throw new AppError('WORKER_UNAVAILABLE', `person ${w.id} is a ${w.role}; assign a grid worker, volunteer, community staff or cadre`, 'body.workerId');
      }
      if (!w.on_duty) throw new AppError('WORKER_UNAVAILABLE', `person ${w.id} is off duty; choose an on-duty candidate`, 'body.workerId');
      return {
        to: 'assigned',
        // A new assignee has not seen the task yet (接单 is per person).
        set: { assignee_id: w.id, assigned_at: now, acknowledged_at: null },
        eventType: 'incident.assigned',
        action: 'incident.assign',
        reason: cmd.note,
        detail: { assigneeId: w.id, previousAssigneeId: cur.assignee_id },
      };
    });
  }

  /**
   * 接单: the assigned worker says the task reached them (the phone app). No status change — the loop's next
   * step is still start — but the desk sees the time, and the history records it.
   */
  async function acknowledge(ctx: CommandContext, id: number, cmd: AcceptCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'acknowledge', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur, _tx, now) => {
      requireStatus(cur, ['assigned'], 'acknowledged');
      requireHandler(ctx, cur);
      if (cur.acknowledged_at != null) throw invalid(cur, 'acknowledged', `incident ${cur.code} is already acknowledged`);
      return { set: { acknowledged_at: now }, eventType: 'incident.updated', action: 'incident.acknowledge', reason: cmd.note ?? '接单 / acknowledged' };
    });
  }

  async function startWork(ctx: CommandContext, id: number, cmd: StartCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'start', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur) => {
      requireStatus(cur, ['assigned'], 'in_progress');
      requireHandler(ctx, cur);
      return { to: 'in_progress', set: {}, eventType: 'incident.started', action: 'incident.start', reason: cmd.note };
    });
  }

  async function resolve(ctx: CommandContext, id: number, cmd: ResolveCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'resolve', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur, _tx, now) => {
      requireStatus(cur, ['in_progress'], 'resolved');
      requireHandler(ctx, cur);
      return { to: 'resolved', set: { resolved_by: ctx.actor, resolved_at: now }, eventType: 'incident.resolved', action: 'incident.resolve', reason: cmd.note };
    });
  }

  /** 核查 by someone other than the handler. A failed check sends the case back (返工) and counts it. */
  async function verify(ctx: CommandContext, id: number, cmd: VerifyCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'verify', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur, _tx, now) => {
      requireStatus(cur, ['resolved'], cmd.passed ? 'verified' : 'in_progress');
      const isHandler = cur.resolved_by === ctx.actor || (ctx.personId != null && ctx.personId === cur.assignee_id);
      if (isHandler) throw invalid(cur, 'verified', `incident ${cur.code} must be verified by someone other than its handler`);
      if (cmd.passed) {
        return { to: 'verified', set: { verified_by: ctx.actor, verified_at: now }, eventType: 'incident.verified', action: 'incident.verify', reason: cmd.note };
      }
      return {
        to: 'in_progress',
        set: { rework_count: cur.rework_count + 1, resolved_by: null, resolved_at: null },
        eventType: 'incident.reworked',
        action: 'incident.rework',
        reason: cmd.note,
        detail: { reworkCount: cur.rework_count + 1 },
      };
    });
  }

  /** 结案. Every case gets an answer (件件有回音): a reply must exist or come with the command. */
  async function close(ctx: CommandContext, id: number, cmd: CloseCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'close', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur, _tx, now) => {
      requireStatus(cur, ['verified'], 'closed');
      if (cur.reply == null && cmd.reply === undefined) {
        throw invalid(cur, 'closed', `incident ${cur.code} has no reply to the reporter yet; send one with the close command (body.reply)`);
      }
      const set: Change['set'] = { closed_at: now };
      if (cmd.reply !== undefined) Object.assign(set, { reply: cmd.reply, replied_at: now });
      return { to: 'closed', set, eventType: 'incident.closed', action: 'incident.close' };
    });
  }

  async function reject(ctx: CommandContext, id: number, cmd: RejectCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'reject', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur, _tx, now) => {
      requireStatus(cur, ['reported'], 'rejected');
      return { to: 'rejected', set: { closed_at: now }, eventType: 'incident.rejected', action: 'incident.reject', reason: cmd.reason };
    });
  }

  /**
   * Marks a report as spam (恶意/无效上报): rejected with reason 'spam', audited as `incident.spam`. Only a
   * report not yet accepted can be spam; the resident's tracking page then shows it as not accepted.
   */
  async function markSpam(ctx: CommandContext, id: number, cmd: SpamCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'spam', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur, _tx, now) => {
      requireStatus(cur, ['reported'], 'rejected');
      return {
        to: 'rejected',
        set: { closed_at: now },
        eventType: 'incident.rejected',
        action: 'incident.spam',
        reason: SPAM_REASON,
        detail: { spam: true, source: cur.source, ...(cmd.note ? { note: cmd.note } : {}) },
      };
    });
  }

  /** 督办 by a person (the escalation job uses escalateToLevel). */
  async function escalate(ctx: CommandContext, id: number, cmd: EscalateCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'escalate', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur, _tx, now) => {
      requireStatus(cur, OPEN_STATUSES, 'escalated');
      return {
        set: { escalation_level: cur.escalation_level + 1, escalated_at: now },
        eventType: 'incident.escalated',
        action: 'incident.escalate',
        reason: cmd.reason,
        detail: { level: cur.escalation_level + 1 },
      };
    });
  }

  /**
   * Raises the escalation level to `level` if it is lower (idempotent per level: running twice does
   * nothing the second time). Returns null when there was nothing to do or someone else changed the row.
   */
  async function escalateToLevel(ctx: CommandContext, id: number, level: number, expectedVersion: number, reason: string): Promise<IncidentDto | null> {
    try {
      const res = await applyCommand(ctx, id, 'escalate-auto', { level }, expectedVersion, 'STALE_VERSION', (cur, _tx, now) => {
        if (!OPEN_STATUSES.includes(cur.status) || cur.escalation_level >= level) throw new AppError('STALE_VERSION', 'nothing to escalate');
        return {
          set: { escalation_level: level, escalated_at: now },
          eventType: 'incident.escalated',
          action: 'incident.escalate',
          reason,
          detail: { level },
        };
      });
      return res.body;
    } catch (err) {
      if (err instanceof AppError && err.code === 'STALE_VERSION') return null;
      throw err;
    }
  }

  /** 大事有措施: the plan of a big matter. */
  async function setPlan(ctx: CommandContext, id: number, cmd: PlanCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'plan', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur) => {
      requireStatus(cur, OPEN_STATUSES, 'planned');
      if (cur.severity !== 'big') throw new AppError('VALIDATION_ERROR', `incident ${cur.code} is a small matter; plans are for big matters`, 'body.plan');
      return { set: { plan: cmd.plan }, eventType: 'incident.updated', action: 'incident.plan', detail: { planLength: cmd.plan.length } };
    });
  }

  /** 领导包案: a leader owns a big case. */
  async function assignLeader(ctx: CommandContext, id: number, cmd: LeaderCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'leader', cmd, cmd.expectedVersion, 'STALE_VERSION', async (cur, tx) => {
      requireStatus(cur, OPEN_STATUSES, 'led');
      if (cur.severity !== 'big') throw new AppError('VALIDATION_ERROR', `incident ${cur.code} is a small matter; leaders own big matters`, 'body.leaderId');
      const p = await tx.query<{ id: number; role: string }>('SELECT id, role FROM people WHERE id = $1', [cmd.leaderId]);
      const leader = p.rows[0];
      if (!leader) throw new AppError('NOT_FOUND', `no person with id ${cmd.leaderId}`, 'body.leaderId');
      if (!(LEADER_ROLES as readonly string[]).includes(leader.role)) {
        throw new AppError('VALIDATION_ERROR', `person ${leader.id} is a ${leader.role}; a case leader is a street leader, cadre or community secretary`, 'body.leaderId');
      }
      return { set: { leader_id: leader.id }, eventType: 'incident.updated', action: 'incident.leader', detail: { leaderId: leader.id } };
    });
  }

  /**
   * 件件有回音: the answer to the reporter, while the case is open and once for a rejected report. A closed
   * case's reply is the record the reporter was given: changing it takes an explicit re-open.
   */
  async function reply(ctx: CommandContext, id: number, cmd: ReplyCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'reply', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur, _tx, now) => {
      if (cur.status === 'closed') {
        throw invalid(cur, 'replied', `incident ${cur.code} is closed and its reply was given; re-open it (reopen, with a reason) to answer again`);
      }
      if (cur.status === 'rejected' && cur.reply != null) {
        throw invalid(cur, 'replied', `incident ${cur.code} was rejected and already has its reply; a rejected report takes one reply`);
      }
      return { set: { reply: cmd.reply, replied_at: now }, eventType: 'incident.replied', action: 'incident.reply' };
    });
  }

  /**
   * 重新办理: a closed case goes back to 受理 for the desk to dispatch again. The only change a closed case
   * takes; audited with the reason and what the case was when it was closed (its reply and rating, which
   * the re-opened case no longer carries: the reporter rates the new outcome once it is closed again).
   */
  async function reopen(ctx: CommandContext, id: number, cmd: ReopenCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'reopen', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur) => {
      requireStatus(cur, ['closed'], 'accepted');
      return {
        to: 'accepted',
        set: {
          assignee_id: null, assigned_at: null, acknowledged_at: null, resolved_by: null, resolved_at: null,
          verified_by: null, verified_at: null, closed_at: null, satisfaction: null,
        },
        eventType: 'incident.reopened',
        action: 'incident.reopen',
        reason: cmd.reason,
        detail: { closedAt: cur.closed_at, reply: cur.reply, satisfaction: cur.satisfaction, assigneeId: cur.assignee_id },
      };
    });
  }

  /** The reporter's satisfaction (1–5), once, after the case is closed or rejected. */
  async function rate(ctx: CommandContext, id: number, cmd: RatingCommand): Promise<CommandResult> {
    return applyCommand(ctx, id, 'rating', cmd, cmd.expectedVersion, 'STALE_VERSION', (cur) => {
      requireStatus(cur, ['closed', 'rejected'], 'rated');
      if (cur.satisfaction != null) throw invalid(cur, 'rated', `incident ${cur.code} is already rated (${cur.satisfaction})`);
      return { set: { satisfaction: cmd.satisfaction }, eventType: 'incident.rated', action: 'incident.rate', detail: { satisfaction: cmd.satisfaction } };
    });
  }

  return {
    reportIncident,
    reportBatch,
    acceptIncident,
    assignIncident,
    acknowledge,
    startWork,
    resolve,
    verify,
    close,
    reject,
    markSpam,
    escalate,
    escalateToLevel,
    setPlan,
    assignLeader,
    reply,
    rate,
    reopen,
  };
}

export type IncidentService = ReturnType<typeof createIncidentService>;
