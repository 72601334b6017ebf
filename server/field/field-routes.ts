// The grid worker's phone API (/m, issue 13): my tasks, 接单, the walking route to a task, patrol reports
// (巡查上报, optionally 随手办: fixed on the spot by the reporter, which still goes through verification) and the
// on/off-duty switch. Scope is the caller's own person and grid, always read from the session, never from input.
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../common/errors';
import { ReportIncidentSchema, NOTE_MAX } from '../../common/incidents';
import { getIdentity, requireRole, type Identity } from '../auth/identity';
import { scopeOf } from '../auth/scope';
import type { Db } from '../db/db';
import { parseOrThrow } from '../http/validate';
import type { WalkTimeSource } from '../dispatch/walk-time-source';
import { NoWalkNetworkError } from '../dispatch/walk-time-source';
import { commandContext, sendResult } from '../incidents/incident-routes';
import type { IncidentService } from '../incidents/incident-service';
import { incidentDetail } from '../incidents/incident-queries';
import { INCIDENT_COLUMNS, toDto, type IncidentRow } from '../incidents/incident-row';
import type { IncidentDto } from '../../common/incidents';

/** A task in the worker's inbox: the incident plus, when verification sent it back, the verifier's reason. */
export type FieldTaskDto = IncidentDto & { reworkReason: string | null };

const IdParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'an incident id is a positive whole number').transform(Number) }).strict();
const AckBody = z.object({ expectedVersion: z.number().int().min(1).optional(), note: z.string().trim().max(NOTE_MAX).optional() }).strict();
export const PatrolReportSchema = ReportIncidentSchema.omit({ reporterName: true, reporterPhone: true })
  .extend({ fixOnSpot: z.boolean().default(false), note: z.string().trim().max(NOTE_MAX).optional() })
  .strict();
const DutyBody = z.object({ onDuty: z.boolean() }).strict();
const RouteQuery = z
  .object({ lon: z.string().transform(Number).pipe(z.number().min(-180).max(180)), lat: z.string().transform(Number).pipe(z.number().min(-90).max(90)) })
  .strict();

/** Statuses that belong in a worker's inbox: to do, doing, and waiting for verification (it may come back). */
const INBOX_STATUSES = ['assigned', 'in_progress', 'resolved'];

function worker(identity: Identity): { personId: number; gridId: number | null } {
  if (identity.personId == null) throw new AppError('FORBIDDEN', 'this worker account is not linked to a person record; ask an administrator to link it');
  return { personId: identity.personId, gridId: identity.scopeGridId };
}


export function fieldRoutes(deps: { db: Db; service: IncidentService; walk: WalkTimeSource }): Router {
  const { db, service, walk } = deps;
  const r = Router();

  r.get('/field/me', requireRole('worker'), async (req, res) => {
    const identity = getIdentity(req);
    const me = worker(identity);
    const p = await db.query<{ name: string; on_duty: boolean; grid_id: number | null; grid_name: string | null }>(
      'SELECT p.name, p.on_duty, p.grid_id, g.name AS grid_name FROM people p LEFT JOIN grids g ON g.id = p.grid_id WHERE p.id = $1',
      [me.personId],
    );
    const row = p.rows[0];
    if (!row) throw new AppError('NOT_FOUND', `person ${me.personId} does not exist`);
    res.json({ personId: me.personId, name: row.name, onDuty: row.on_duty, gridId: me.gridId, gridName: row.grid_name });
  });

  r.post('/field/duty', requireRole('worker'), async (req, res) => {
    const me = worker(getIdentity(req));
    const body = parseOrThrow(DutyBody, req.body ?? {}, 'body');
    await db.query('UPDATE people SET on_duty = $2 WHERE id = $1', [me.personId, body.onDuty]);
    res.json({ onDuty: body.onDuty });
  });

  r.get('/field/tasks', requireRole('worker'), async (req, res) => {
    const identity = getIdentity(req);
    const me = worker(identity);
    const rows = await db.query<IncidentRow>(
      `SELECT ${INCIDENT_COLUMNS} FROM incidents i WHERE i.assignee_id = $1 AND i.status = ANY($2::text[])
        ORDER BY i.due_at ASC, i.id ASC LIMIT 200`,
      [me.personId, INBOX_STATUSES],
    );
    // A task sent back by verification (返工) carries the verifier's reason, so the phone can say why it is back.
    const reworked = rows.rows.filter((row) => row.rework_count > 0).map((row) => String(row.id));
    const reasons = new Map<string, string | null>();
    if (reworked.length > 0) {
      const ev = await db.query<{ entity_id: string; reason: string | null }>(
        `SELECT DISTINCT ON (entity_id) entity_id, reason FROM events
          WHERE entity_type = 'incident' AND type = 'incident.reworked' AND entity_id = ANY($1::text[])
          ORDER BY entity_id, id DESC`,
        [reworked],
      );
      for (const e of ev.rows) reasons.set(e.entity_id, e.reason);
    }
    const items: FieldTaskDto[] = rows.rows.map((row) => ({ ...toDto(row, identity.role), reworkReason: reasons.get(String(row.id)) ?? null }));
    res.json({ items });
  });

  r.get('/field/tasks/:id', requireRole('worker'), async (req, res) => {
    const identity = getIdentity(req);
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    const found = await incidentDetail(db, identity.role, id);
    if (!found || !scopeOf(req).mayReadCase(found.row)) throw new AppError('NOT_FOUND', `no incident ${id} in your grid or your tasks`, 'params.id');
    res.json(found.dto);
  });

  r.post('/field/tasks/:id/ack', requireRole('worker'), async (req, res) => {
    const ctx = commandContext(req);
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    sendResult(res, await service.acknowledge(ctx, id, parseOrThrow(AckBody, req.body ?? {}, 'body')));
  });

  /** The walking route from where I am to the task (me → incident), over the same network dispatch uses. */
  r.get('/field/tasks/:id/route', requireRole('worker'), async (req, res) => {
    const identity = getIdentity(req);
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    const from = parseOrThrow(RouteQuery, req.query, 'query');
    const found = await incidentDetail(db, identity.role, id);
    if (!found || !scopeOf(req).mayReadCase(found.row)) throw new AppError('NOT_FOUND', `no incident ${id} in your grid or your tasks`, 'params.id');
    try {
      const times = await walk.timesTo({ lon: found.row.lon, lat: found.row.lat }, [{ key: 1, lon: from.lon, lat: from.lat }], { cutoffS: 3 * 3600, routesFor: new Set([1]) });
      const t = times.get(1);
      res.json(t ? { seconds: t.seconds, meters: t.meters, route: t.route ? { type: 'LineString', coordinates: t.route } : null } : { seconds: null, meters: null, route: null });
    } catch (err) {
      if (err instanceof NoWalkNetworkError) {
        res.json({ seconds: null, meters: null, route: null });
        return;
      }
      throw err;
    }
  });

  /**
   * 巡查上报. Routed by point-in-polygon like any report (source 'patrol'). With fixOnSpot (随手办) the
   * reporter takes it at once: accept → assign to self → start, each with a key derived from the report's
   * Idempotency-Key, so a retried upload converges on the same incident and the same steps. It still has to
   * be resolved by the worker and verified by someone else. 随手办 only inside one's own grid.
   */
  r.post('/field/patrol', requireRole('worker'), async (req, res) => {
    const identity = getIdentity(req);
    const me = worker(identity);
    const ctx = { ...commandContext(req), source: 'patrol' as const };
    const body = parseOrThrow(PatrolReportSchema, req.body ?? {}, 'body');
    const { fixOnSpot, note, ...report } = body;
    const reported = await service.reportIncident(ctx, { ...report, description: note ? `${report.description}${report.description ? '\n' : ''}${note}` : report.description });
    if (!fixOnSpot) {
      sendResult(res, reported);
      return;
    }
    let dto = reported.body;
    if (!scopeOf(req).mayReadGrid(dto.gridId)) {
      throw new AppError('FORBIDDEN', `the report is stored (${dto.code}), but it lies outside your grid, so it cannot be fixed on the spot by you; the desk will dispatch it`);
    }
    const step = (suffix: string) => ({ ...ctx, idempotencyKey: ctx.idempotencyKey ? `${ctx.idempotencyKey}#${suffix}` : undefined });
    if (dto.status === 'reported') dto = (await service.acceptIncident(step('accept'), dto.id, { note: '随手办 / fixed on the spot' })).body;
    if (dto.status === 'accepted') dto = (await service.assignIncident(step('assign'), dto.id, { workerId: me.personId, note: '随手办 / self-assigned' })).body;
    if (dto.status === 'assigned') dto = (await service.startWork(step('start'), dto.id, {})).body;
    res.status(201).json(dto);
  });

  return r;
}
