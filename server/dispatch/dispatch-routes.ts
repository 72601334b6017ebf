// GET /api/incidents/:id/candidates: the ranked people to send (server/dispatch/recommend.ts).
import { Router } from 'express';
import { z } from 'zod';
import { getIdentity, requireRole } from '../auth/identity';
import { scopeOf } from '../auth/scope';
import type { Db } from '../db/db';
import { parseOrThrow } from '../http/validate';
import { recommendCandidates } from './recommend';
import type { WalkTimeSource } from './walk-time-source';

const Params = z.object({ id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'an incident id is a positive whole number').transform(Number) }).strict();
const Query = z
  .object({
    limit: z.string().regex(/^[0-9]{1,3}$/).transform(Number).pipe(z.number().int().min(1).max(100)).optional(),
    routes: z.string().regex(/^[0-9]{1,2}$/).transform(Number).pipe(z.number().int().min(0).max(10)).optional(),
  })
  .strict();

export function dispatchRoutes(deps: { db: Db; walk: WalkTimeSource }): Router {
  const r = Router();
  r.get('/incidents/:id/candidates', requireRole('dispatcher', 'admin', 'leader'), async (req, res) => {
    const { id } = parseOrThrow(Params, req.params, 'params');
    const q = parseOrThrow(Query, req.query, 'query');
    res.json(await recommendCandidates(deps.db, deps.walk, id, getIdentity(req).role, scopeOf(req), { limit: q.limit, routes: q.routes }));
  });
  return r;
}
