import { Router } from 'express';
import type { Readiness } from '../readiness';
import type { Db } from '../db/db';

export function healthRoutes(db: Db, readiness: Readiness, nodeId: string): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ ok: true, node: nodeId });
  });
  r.get('/readyz', async (_req, res) => {
    const state = await readiness.check();
    res.status(state.ready ? 200 : 503).json({
      ...state,
      backend: db.kind,
      node: nodeId,
      ...(state.ready ? {} : { error: { code: 'NOT_READY', message: 'the database is not reachable or not migrated yet' } }),
    });
  });
  return r;
}
