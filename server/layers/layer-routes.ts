// HTTP endpoints of the map: polygon and point layers as GeoJSON, a unit's chain/counts/live figures, and
// the daily trend. Every route is for the roles that use the map; a grid worker sees only their grid
// (each layer's rule in layer-scope.ts, applied through the request's ScopePolicy). Validation happens here (zod), SQL lives in the modules these call.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../db/db';
import type { Clock } from '../clock';
import { getIdentity, requireRole } from '../auth/identity';
import { scopeOf } from '../auth/scope';
import { parseOrThrow } from '../http/validate';
import { UNIT_LEVELS } from '../../common/layers';
import { BUILDINGS_MAX_SPAN_DEG, parseLayerQuery } from './layer-query';
import {
  buildingFeatures,
  communityFeatures,
  facilityFeatures,
  gridFeatures,
  parkingFeatures,
  violationFeatures,
  workerFeatures,
} from './layer-features';
import { unitDetails } from './unit-details';
import { dailyStats } from './daily-stats';
import { layerExtent } from './layer-extent';

/** Roles that use the map. */
export const MAP_ROLES = ['wall', 'dispatcher', 'planner', 'leader', 'admin', 'worker'] as const;

const UnitParamsSchema = z
  .object({
    level: z.enum(UNIT_LEVELS, { message: `level must be one of ${UNIT_LEVELS.join(', ')}` }),
    id: z.string().regex(/^[1-9][0-9]{0,9}$/, 'id must be a positive integer').transform(Number),
  })
  .strict();
const DailyQuerySchema = z
  .object({ days: z.string().regex(/^[0-9]{1,3}$/, 'days must be 1..90').transform(Number).pipe(z.number().min(1, 'days must be 1..90').max(90, 'days must be 1..90')).optional() })
  .strict();

export function layerRoutes(deps: { db: Db; clock: Clock }): Router {
  const { db, clock } = deps;
  const r = Router();
  const auth = requireRole(...MAP_ROLES);
  // Layers change when data is edited or imported, not per second: let the browser reuse them briefly.
  const cache = (res: import('express').Response) => res.set('Cache-Control', 'private, max-age=30');

  // How large the data is and where: the client draws from vector tiles when `tiled` (issue 8 item 2).
  r.get('/api/layers/extent', auth, async (req, res) => {
    parseOrThrow(z.object({}).strict(), req.query, 'query');
    cache(res);
    res.json(await layerExtent(db, scopeOf(req)));
  });
  r.get('/api/layers/communities', auth, async (req, res) => {
    cache(res);
    res.json(await communityFeatures(db, parseLayerQuery(req.query), scopeOf(req)));
  });
  r.get('/api/layers/grids', auth, async (req, res) => {
    cache(res);
    res.json(await gridFeatures(db, parseLayerQuery(req.query), scopeOf(req)));
  });
  r.get('/api/layers/buildings', auth, async (req, res) => {
    cache(res);
    res.json(await buildingFeatures(db, parseLayerQuery(req.query, { maxSpanDeg: BUILDINGS_MAX_SPAN_DEG }), scopeOf(req)));
  });
  r.get('/api/layers/facilities', auth, async (req, res) => {
    cache(res);
    res.json(await facilityFeatures(db, parseLayerQuery(req.query), scopeOf(req)));
  });
  // Live layers: no caching (occupancy and status change all day).
  r.get('/api/layers/parking', auth, async (req, res) => {
    res.json(await parkingFeatures(db, parseLayerQuery(req.query), scopeOf(req)));
  });
  r.get('/api/layers/violations', auth, async (req, res) => {
    res.json(await violationFeatures(db, parseLayerQuery(req.query), scopeOf(req)));
  });
  r.get('/api/layers/workers', auth, async (req: Request, res) => {
    res.json(await workerFeatures(db, parseLayerQuery(req.query), scopeOf(req)));
  });

  r.get('/api/units/:level/:id', auth, async (req, res) => {
    const p = parseOrThrow(UnitParamsSchema, { ...req.params }, 'params');
    res.json(await unitDetails(db, p.level, p.id, getIdentity(req).role, scopeOf(req), clock.now()));
  });

  r.get('/api/stats/daily', auth, async (req, res) => {
    const q = parseOrThrow(DailyQuerySchema, req.query, 'query');
    res.json(await dailyStats(db, q.days ?? 14, clock.now(), scopeOf(req)));
  });
  return r;
}
