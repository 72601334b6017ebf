// GET /api/dataset: what the database holds (sample, real, mixed or empty), where each layer came from, and
// what each capability still lacks. Every map page reads it for the data badge; signed-in map roles only
// (row counts are not personal data, but nothing here is needed before signing in). The counts are of what
// the caller reads: a grid worker gets their grid's (dataset-status.ts).
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/db';
import { requireRole } from '../auth/identity';
import { scopeOf } from '../auth/scope';
import { parseOrThrow } from '../http/validate';
import { MAP_ROLES } from '../layers/layer-routes';
import { datasetStatus } from './dataset-status';

const NoQuerySchema = z.object({}).strict();

export function datasetRoutes(deps: { db: Db }): Router {
  const r = Router();
  r.get('/api/dataset', requireRole(...MAP_ROLES), async (req, res) => {
    parseOrThrow(NoQuerySchema, req.query, 'query');
    res.set('Cache-Control', 'no-store').json(await datasetStatus(deps.db, scopeOf(req)));
  });
  return r;
}
