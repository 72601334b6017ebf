// REST for incidents, mounted under /api: intake (single and batch), the list and one incident, and one
// POST per closed-loop verb. Writes take an optional `Idempotency-Key` header (a retry with the same key
// gets the stored answer with `Idempotent-Replayed: true`).
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { UserRole } from '../../common/domain';
import { AppError } from '../../common/errors';
import {
  BatchReportSchema,
  IDEMPOTENCY_KEY_MAX,
  INCIDENT_COMMANDS,
  ListIncidentsQuerySchema,
  ReportIncidentSchema,
  type IncidentCommandName,
} from '../../common/incidents';
import { actorOf, getIdentity, requireRole } from '../auth/identity';
import { scopeOf } from '../auth/scope';
import { audit } from '../audit/audit';
import type { Db } from '../db/db';
import { parseOrThrow } from '../http/validate';
import { incidentDetail, listIncidents } from './incident-queries';
import type { CommandContext, CommandResult, IncidentService } from './incident-service';
import { canSeeNames } from '../privacy/masking';

/** Who may run each verb. Grid workers start and resolve their own tasks (checked in the service). */
export const COMMAND_ROLES: Record<IncidentCommandName, UserRole[]> = {
  accept: ['dispatcher', 'admin'],
  assign: ['dispatcher', 'admin'],
  start: ['worker', 'dispatcher', 'admin'],
  resolve: ['worker', 'dispatcher', 'admin'],
  verify: ['dispatcher', 'admin', 'leader'],
  close: ['dispatcher', 'admin'],
  reject: ['dispatcher', 'admin'],
  escalate: ['dispatcher', 'admin', 'leader'],
  plan: ['dispatcher', 'admin', 'leader'],
  leader: ['dispatcher', 'admin', 'leader'],
  reply: ['dispatcher', 'admin'],
  rating: ['dispatcher', 'admin'],
  reopen: ['dispatcher', 'admin', 'leader'],
};
export const REPORT_ROLES: UserRole[] = ['dispatcher', 'admin', 'worker'];
/** Batch intake is for systems feeding many reports (other platforms, the simulator). */
export const BATCH_ROLES: UserRole[] = ['dispatcher', 'admin'];
export const READ_ROLES: UserRole[] = ['dispatcher', 'admin', 'leader', 'worker', 'planner'];

const IdempotencyKeySchema = z
  .string()
  .min(8, 'use at least 8 characters (a UUID is best)')
  .max(IDEMPOTENCY_KEY_MAX)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .optional();
const IdParamsSchema = z.object({ id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'an incident id is a positive whole number').transform(Number) }).strict();

/** The command context of an authenticated request. */
export function commandContext(req: Request): CommandContext {
  const identity = getIdentity(req);
  const rawKey = req.get('idempotency-key');
  let key: string | undefined;
  try {
    key = IdempotencyKeySchema.parse(rawKey);
  } catch {
    throw new AppError('VALIDATION_ERROR', 'header Idempotency-Key: 8–200 printable ASCII characters without spaces', 'header.idempotency-key');
  }
  return {
    actor: actorOf(identity), role: identity.role, personId: identity.personId, scopeGridId: identity.role === 'worker' ? identity.scopeGridId : undefined,
    idempotencyKey: key, source: sourceOf(req, identity.role), ip: req.ip ?? null,
  };
}

/**
 * Simulation label (server/simulator, npm run simulate): a request sent with `X-Simulation: 1` by a dispatcher or
 * admin — the roles the simulator signs in as — stores the incidents it reports with source 'simulator', so simulated
 * load can be told apart in the database. It only labels: validation, jurisdiction, events and audit are those of any
 * report, and verbs on existing incidents never change their source. Any other value is a 400; the header from another role is a 403
 * (refused rather than silently ignored, so a misconfigured client notices).
 */
const SIMULATION_ROLES: ReadonlyArray<UserRole | null> = ['dispatcher', 'admin'];
function sourceOf(req: Request, role: UserRole | null): 'api' | 'simulator' {
  const flag = req.get('x-simulation');
  if (flag === undefined) return 'api';
  if (flag !== '1') throw new AppError('VALIDATION_ERROR', 'header X-Simulation: send exactly "1" to label simulated reports, or leave it out', 'header.x-simulation');
  if (!SIMULATION_ROLES.includes(role)) throw new AppError('FORBIDDEN', 'only a dispatcher or admin account may send simulated reports (X-Simulation)');
  return 'simulator';
}

export function sendResult<T>(res: Response, result: CommandResult<T>): void {
  if (result.replayed) res.set('Idempotent-Replayed', 'true');
  res.status(result.status).json(result.body);
}

export function incidentRoutes(deps: { db: Db; service: IncidentService }): Router {
  const { db, service } = deps;
  const r = Router();

  r.post('/incidents/batch', requireRole(...BATCH_ROLES), async (req, res) => {
    const ctx = commandContext(req);
    const body = parseOrThrow(BatchReportSchema, req.body, 'body');
    sendResult(res, await service.reportBatch(ctx, body.reports));
  });

  r.post('/incidents', requireRole(...REPORT_ROLES), async (req, res) => {
    const ctx = commandContext(req);
    const body = parseOrThrow(ReportIncidentSchema, req.body, 'body');
    sendResult(res, await service.reportIncident(ctx, body));
  });

  r.get('/incidents', requireRole(...READ_ROLES), async (req, res) => {
    const identity = getIdentity(req);
    const query = parseOrThrow(ListIncidentsQuerySchema, req.query, 'query');
    const list = await listIncidents(db, identity.role, scopeOf(req), query);
    if (canSeeNames(identity.role) && list.items.some((i) => i.reporterName || i.reporterPhone)) {
      await audit(db, { actor: actorOf(identity), action: 'incidents.read_personal', entityType: 'incident', detail: { count: list.items.length }, ip: req.ip });
    }
    res.json(list);
  });

  r.get('/incidents/:id', requireRole(...READ_ROLES), async (req, res) => {
    const identity = getIdentity(req);
    const { id } = parseOrThrow(IdParamsSchema, req.params, 'params');
    const found = await incidentDetail(db, identity.role, id);
    if (!found) throw new AppError('NOT_FOUND', `no incident with id ${id}`, 'params.id');
    // Outside a worker's grid (and not their task) the case answers as one that does not exist: a 403 that
    // named it would tell the worker its code.
    if (!scopeOf(req).mayReadCase(found.row)) throw new AppError('NOT_FOUND', `no incident with id ${id}`, 'params.id');
    if (canSeeNames(identity.role) && (found.row.reporter_name || found.row.reporter_phone)) {
      await audit(db, { actor: actorOf(identity), action: 'incident.read_personal', entityType: 'incident', entityId: id, ip: req.ip });
    }
    res.json(found.dto);
  });

  for (const verb of Object.keys(INCIDENT_COMMANDS) as IncidentCommandName[]) {
    r.post(`/incidents/:id/${verb}`, requireRole(...COMMAND_ROLES[verb]), async (req, res) => {
      const ctx = commandContext(req);
      const { id } = parseOrThrow(IdParamsSchema, req.params, 'params');
      sendResult(res, await runVerb(service, verb, ctx, id, req.body ?? {}));
    });
  }
  return r;
}

/** Validates the body of `verb` and runs it (shared by REST and socket handlers). */
export async function runVerb(service: IncidentService, verb: IncidentCommandName, ctx: CommandContext, id: number, rawBody: unknown): Promise<CommandResult> {
  switch (verb) {
    case 'accept':
      return service.acceptIncident(ctx, id, parseOrThrow(INCIDENT_COMMANDS.accept, rawBody, 'body'));
    case 'assign':
      return service.assignIncident(ctx, id, parseOrThrow(INCIDENT_COMMANDS.assign, rawBody, 'body'));
    case 'start':
      return service.startWork(ctx, id, parseOrThrow(INCIDENT_COMMANDS.start, rawBody, 'body'));
    case 'resolve':
      return service.resolve(ctx, id, parseOrThrow(INCIDENT_COMMANDS.resolve, rawBody, 'body'));
    case 'verify':
      return service.verify(ctx, id, parseOrThrow(INCIDENT_COMMANDS.verify, rawBody, 'body'));
    case 'close':
      return service.close(ctx, id, parseOrThrow(INCIDENT_COMMANDS.close, rawBody, 'body'));
    case 'reject':
      return service.reject(ctx, id, parseOrThrow(INCIDENT_COMMANDS.reject, rawBody, 'body'));
    case 'escalate':
      return service.escalate(ctx, id, parseOrThrow(INCIDENT_COMMANDS.escalate, rawBody, 'body'));
    case 'plan':
      return service.setPlan(ctx, id, parseOrThrow(INCIDENT_COMMANDS.plan, rawBody, 'body'));
    case 'leader':
      return service.assignLeader(ctx, id, parseOrThrow(INCIDENT_COMMANDS.leader, rawBody, 'body'));
    case 'reply':
      return service.reply(ctx, id, parseOrThrow(INCIDENT_COMMANDS.reply, rawBody, 'body'));
    case 'rating':
      return service.rate(ctx, id, parseOrThrow(INCIDENT_COMMANDS.rating, rawBody, 'body'));
    case 'reopen':
      return service.reopen(ctx, id, parseOrThrow(INCIDENT_COMMANDS.reopen, rawBody, 'body'));
  }
}
