// HTTP: /api/coverage. Planners, leaders and admins run what-ifs, save scenarios and ask for sites; the wall
// may read summaries and rings. Every input goes through a strict zod schema first.
import { Router } from 'express';
import type { Db } from '../db/db';
import type { Clock } from '../clock';
import { requireRole, getIdentity, actorOf } from '../auth/identity';
import { parseOrThrow } from '../http/validate';
import type { CoverageEngine } from './coverage-engine';
import {
  compareQuerySchema, isochronesQuerySchema, saveScenarioSchema, suggestQuerySchema, summaryQuerySchema,
  uncoveredQuerySchema, whatIfBodySchema,
} from '../../common/coverage';
import { isochronesView, summaryView, uncoveredView } from './coverage-views';
import { evaluateWhatIf } from './what-if';
import { compareScenarios, listScenarios, saveScenario } from './scenarios';
import { suggestSites } from './suggest-sites';

export interface CoverageRouteDeps {
  db: Db;
  engine: CoverageEngine;
  clock: Clock;
}

export function coverageRoutes({ db, engine, clock }: CoverageRouteDeps): Router {
  const r = Router();
  const readers = requireRole('wall', 'planner', 'leader', 'admin', 'dispatcher');
  const planners = requireRole('planner', 'leader', 'admin');

  r.get('/summary', readers, async (req, res) => {
    const q = parseOrThrow(summaryQuerySchema, req.query, 'query');
    res.json(await summaryView(engine, q.type, q.minutes));
  });

  r.get('/uncovered', readers, async (req, res) => {
    const q = parseOrThrow(uncoveredQuerySchema, req.query, 'query');
    res.json(await uncoveredView(db, engine, q.type, q.minutes));
  });

  r.get('/isochrones', readers, async (req, res) => {
    const q = parseOrThrow(isochronesQuerySchema, req.query, 'query');
    res.json(await isochronesView(db, engine, q.type, q.shape, q.by));
  });

  r.post('/what-if', planners, async (req, res) => {
    const body = parseOrThrow(whatIfBodySchema, req.body, 'body');
    res.json(await evaluateWhatIf(db, engine, body.changes, { rings: body.rings }));
  });

  r.get('/scenarios', planners, async (_req, res) => {
    res.json({ scenarios: await listScenarios(db) });
  });

  r.post('/scenarios', planners, async (req, res) => {
    const body = parseOrThrow(saveScenarioSchema, req.body, 'body');
    res.status(201).json(await saveScenario(db, body, actorOf(getIdentity(req))));
  });

  r.get('/scenarios/compare', planners, async (req, res) => {
    const q = parseOrThrow(compareQuerySchema, req.query, 'query');
    res.json(await compareScenarios(db, engine, q.ids));
  });

  r.get('/suggest', planners, async (req, res) => {
    const q = parseOrThrow(suggestQuerySchema, req.query, 'query');
    res.json(await suggestSites(db, engine, { ...q, now: clock.now() }));
  });

  return r;
}
