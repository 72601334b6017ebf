// /api/live: the snapshot a client starts from, KPIs, and the two live state changes owned here (parking
// occupancy, violation status) plus worker position reports. Writes commit row + event together, then wake
// the publisher.
import { Router } from 'express';
import { z } from 'zod';
import { VIOLATION_STATUSES } from '../../common/domain';
import { WorkerFixesSchema } from '../../common/realtime';
import { actorOf, getIdentity, requireRole, requireSignedIn } from '../auth/identity';
import { scopeOf } from '../auth/scope';
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
    res.json(await liveSnapshot(db, clock, kpis, scopeOf(req)));
  });

  r.get('/kpis', requireSignedIn(), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await kpis.current(scopeOf(req)));
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

  // On-duty grid workers with their grid's centre and last fix: for the dispatch desk and the simulator's
  // patrols (ids and positions only; names stay behind the masked people API).
  r.get('/workers/roster', requireRole('dispatcher', 'admin'), async (_req, res) => {
    const rows = await db.query<{ id: number; grid_id: number | null; lon: number | null; lat: number | null; glon: number | null; glat: number | null }>(
      `SELECT p.id, p.grid_id, ST_X(p.position) AS lon, ST_Y(p.position) AS lat,
              ST_X(ST_PointOnSurface(g.geom)) AS glon, ST_Y(ST_PointOnSurface(g.geom)) AS glat
         FROM people p LEFT JOIN grids g ON g.id = p.grid_id
        WHERE p.role = 'grid_worker' AND p.on_duty ORDER BY p.id LIMIT 5000`,
    );
    res.set('Cache-Control', 'no-store');
    res.json({
      workers: rows.rows.map((r) => ({
        personId: r.id, gridId: r.grid_id,
        position: r.lon == null || r.lat == null ? null : { lon: r.lon, lat: r.lat },
        gridCenter: r.glon == null || r.glat == null ? null : { lon: r.glon, lat: r.glat },
      })),
    });
  });

  r.post('/workers/positions', requireRole('worker', 'dispatcher', 'admin'), (req, res) => {
    const body = parseOrThrow(WorkerFixesSchema, req.body, 'body');
    const accepted = positions.report(getIdentity(req), body.fixes);
    res.status(202).json({ accepted });
  });

  return r;
}
