// /api/live: the snapshot a client starts from, KPIs, and the two live state changes owned here (parking
// occupancy, violation status) plus worker position reports. Writes commit row + event together, then wake
// the publisher.
import { Router } from 'express';
import { z } from 'zod';
import { VIOLATION_STATUSES } from '../../common/domain';
import { WorkerFixesSchema } from '../../common/realtime';
import { actorOf, getIdentity, requireRole, requireSignedIn } from '../auth/identity';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { parseOrThrow } from '../http/validate';
import type { KpiPusher } from './kpis';
import { setParkingOccupancy } from './parking-service';
import { liveSnapshot } from './snapshot';
import { changeViolationStatus } from './violation-service';
import type { WorkerPositions } from './worker-positions';

const IdParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) }).strict();
const Reason = z.string().trim().max(500).optional();
const OccupancyBody = z.object({ occupied: z.number().int().min(0), version: z.number().int().positive(), reason: Reason }).strict();
const ViolationBody = z.object({ status: z.enum(VIOLATION_STATUSES), version: z.number().int().positive(), reason: Reason }).strict();

export interface LiveRouteDeps {
  db: Db;
  clock: Clock;
  kpis: KpiPusher;
  positions: WorkerPositions;
  /** Wakes the event publisher after a commit. */
  notifyCommitted(): void;
}

export function liveRoutes(deps: LiveRouteDeps): Router {
  const { db, clock, kpis, positions, notifyCommitted } = deps;
  const r = Router();

  r.get('/snapshot', requireSignedIn(), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await liveSnapshot(db, clock, kpis, getIdentity(req)));
  });

  r.get('/kpis', requireSignedIn(), async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await kpis.current());
  });

  r.patch('/parking/:id', requireRole('dispatcher', 'admin'), async (req, res) => {
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    const body = parseOrThrow(OccupancyBody, req.body, 'body');
    const lot = await setParkingOccupancy(db, clock, {
      lotId: id, occupied: body.occupied, version: body.version, actor: actorOf(getIdentity(req)), reason: body.reason, ip: req.ip,
    });
    notifyCommitted();
    res.json({ lot });
  });

  r.patch('/violations/:id', requireRole('dispatcher', 'admin'), async (req, res) => {
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    const body = parseOrThrow(ViolationBody, req.body, 'body');
    const violation = await changeViolationStatus(db, clock, {
      violationId: id, status: body.status, version: body.version, actor: actorOf(getIdentity(req)), reason: body.reason, ip: req.ip,
    });
    notifyCommitted();
    res.json({ violation });
  });

  r.post('/workers/positions', requireRole('worker', 'dispatcher', 'admin'), (req, res) => {
    const body = parseOrThrow(WorkerFixesSchema, req.body, 'body');
    const accepted = positions.report(getIdentity(req), body.fixes);
    res.status(202).json({ accepted });
  });

  return r;
}
