// HTTP routes of the leaders' insight view (/insight). Read-only: leaders, admins and dispatchers; the wall
// may also read the map aggregates (hotspots, density, playback). Exports are audited (who took what out).
import { Router, type Request } from 'express';
import type { UserRole } from '../../common/domain';
import {
  CELL_SIZES_M,
  briefQuerySchema,
  densityQuerySchema,
  hotspotsQuerySchema,
  playbackQuerySchema,
  rankingsQuerySchema,
} from '../../common/insight';
import type { Db } from '../db/db';
import type { Clock } from '../clock';
import { parseOrThrow } from '../http/validate';
import { actorOf, getIdentity, requireRole } from '../auth/identity';
import { scopeOf } from '../auth/scope';
import { audit } from '../audit/audit';
import { computeHotspots } from './hotspots';
import { computeDensity } from './density';
import { computePlayback } from './playback';
import { computeRankings } from './rankings';
import { briefTable, briefTables } from './brief';
import { toCsv, toXlsx } from './table-writers';
import { insightRead } from './read-tx';

const ANALYSTS: UserRole[] = ['leader', 'admin', 'dispatcher'];
const MAP_READERS: UserRole[] = [...ANALYSTS, 'wall'];

export interface InsightDeps {
  db: Db;
  clock: Clock;
}

function stamp(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
}

async function auditExport(deps: InsightDeps, req: Request, format: string, detail: unknown): Promise<void> {
  await audit(deps.db, {
    actor: actorOf(getIdentity(req)),
    action: 'insight.brief.export',
    entityType: 'incidents',
    detail: { format, query: detail },
    ip: req.ip ?? null,
  });
}

export function insightRoutes(deps: InsightDeps): Router {
  const { db, clock } = deps;
  const r = Router();

  r.get('/api/insight/meta', requireRole(...MAP_READERS), async (_req, res) => {
    const [cats, comms] = await Promise.all([
      db.query<{ code: string; name_zh: string; name_en: string }>(`SELECT code, name_zh, name_en FROM incident_categories ORDER BY code`),
      db.query<{ id: number; code: string; name: string }>(`SELECT id, code, name FROM communities ORDER BY code`),
    ]);
    res.json({
      categories: cats.rows.map((c) => ({ code: c.code, nameZh: c.name_zh, nameEn: c.name_en })),
      communities: comms.rows.map((c) => ({ id: Number(c.id), code: c.code, name: c.name })),
      cellSizes: CELL_SIZES_M,
      now: clock.now().toISOString(),
    });
  });

  r.get('/api/insight/hotspots', requireRole(...MAP_READERS), async (req, res) => {
    const q = parseOrThrow(hotspotsQuerySchema, req.query, 'query');
    res.json(await computeHotspots(db, clock, q, scopeOf(req)));
  });

  r.get('/api/insight/density', requireRole(...MAP_READERS), async (req, res) => {
    const q = parseOrThrow(densityQuerySchema, req.query, 'query');
    res.json(await insightRead(db, (tx) => computeDensity(tx, clock, q, scopeOf(req))));
  });

  r.get('/api/insight/playback', requireRole(...MAP_READERS), async (req, res) => {
    const q = parseOrThrow(playbackQuerySchema, req.query, 'query');
    res.json(await insightRead(db, (tx) => computePlayback(tx, clock, q, scopeOf(req))));
  });

  r.get('/api/insight/rankings', requireRole(...ANALYSTS), async (req, res) => {
    const q = parseOrThrow(rankingsQuerySchema, req.query, 'query');
    res.json(await insightRead(db, (tx) => computeRankings(tx, clock, q, scopeOf(req))));
  });

  r.get('/api/insight/brief.xlsx', requireRole(...ANALYSTS), async (req, res) => {
    const q = parseOrThrow(briefQuerySchema, req.query, 'query');
    const body = await toXlsx(await insightRead(db, (tx) => briefTables(tx, clock, q, scopeOf(req))), { title: '民情调处会简报', created: clock.now() });
    await auditExport(deps, req, 'xlsx', req.query);
    res
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .attachment(`brief-${stamp(clock.now())}.xlsx`)
      .send(body);
  });

  r.get('/api/insight/brief.csv', requireRole(...ANALYSTS), async (req, res) => {
    const q = parseOrThrow(briefQuerySchema, req.query, 'query');
    const body = toCsv(await insightRead(db, (tx) => briefTable(tx, clock, q, scopeOf(req))));
    await auditExport(deps, req, 'csv', req.query);
    res.type('text/csv; charset=utf-8').attachment(`brief-${q.sheet}-${stamp(clock.now())}.csv`).send(body);
  });

  return r;
}
