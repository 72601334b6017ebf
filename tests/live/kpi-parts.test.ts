// The street KPI pusher recomputes only the parts a pushed batch can move: after incident events it reads
// the incident counts and reuses the building, violation and parking figures (on the ×250 city the building
// sums alone are a 217,500-row scan). The figures it pushes must still equal a full computation, and an
// import or the sample loading (events on a layer / the dataset) must refresh the rest.
import { afterEach, describe, expect, it } from 'vitest';
import { computeKpis, createKpiPusher, kpiPartsMovedBy } from '../../server/live/kpis';
import { STREET_SCOPE } from '../../server/auth/scope';
import type { Queryable } from '../../server/db/db';
import type { EventPublisher } from '../../server/realtime/event-publisher';
import type { RealtimeServer } from '../../server/realtime/types';
import type { Kpis, LiveEvent } from '../../common/realtime';
import { createLogger } from '../../server/logger';
import { systemClock } from '../../server/clock';
import { backends, freshDb, type TestDb } from '../helpers/test-db';

const event = (entityType: string, id: number): LiveEvent =>
  ({ id, type: `${entityType}.changed`, entityType, entityId: String(id), actor: 'test', payload: {}, createdAt: new Date().toISOString() }) as unknown as LiveEvent;

describe('kpiPartsMovedBy', () => {
  it('names the tables an event can change and none for people', () => {
    expect(kpiPartsMovedBy(event('incident', 1))).toEqual(['incidents']);
    expect(kpiPartsMovedBy(event('parking_lot', 1))).toEqual(['parking']);
    expect(kpiPartsMovedBy(event('violation', 1))).toEqual(['violations']);
    expect(kpiPartsMovedBy(event('layer', 1))).toEqual(['buildings', 'violations', 'parking']);
    expect(kpiPartsMovedBy(event('dataset', 1))).toHaveLength(4);
    expect(kpiPartsMovedBy(event('user', 1))).toEqual([]);
  });
});

describe.each(backends())('KPI pusher parts (%s)', { timeout: 120_000 }, (backend) => {
  let tdb: TestDb | undefined;
  afterEach(async () => {
    await tdb?.drop();
    tdb = undefined;
  });

  it('after incident events reads only the incident counts, and pushes what a full computation gives', async () => {
    tdb = await freshDb(backend, 'sample');
    const db = tdb.db;
    const statements: string[] = [];
    const spy: Queryable = {
      query: (sql, params) => {
        statements.push(sql);
        return db.query(sql, params);
      },
    } as Queryable;
    const pushed: Kpis[] = [];
    const io = { local: { to: () => ({ emit: (_name: string, k: Kpis) => pushed.push(k) }) } } as unknown as RealtimeServer;
    let listener: (events: readonly LiveEvent[]) => void = () => undefined;
    const publisher = { cursor: 0, onPushed: (l: typeof listener) => { listener = l; } } as unknown as EventPublisher;
    const pusher = createKpiPusher({ db: spy, io, publisher, clock: systemClock, logger: createLogger('silent'), minIntervalMs: 0 });
    try {
      const first = await pusher.current(STREET_SCOPE);
      expect(statements.at(-1)).toMatch(/FROM buildings/);
      expect(first.households).toBeGreaterThan(0);

      // an incident reported: the push reads incidents only
      const grid = (await db.query<{ id: number }>('SELECT id FROM grids ORDER BY id LIMIT 1')).rows[0].id;
      await db.query(
        `INSERT INTO incidents (code, category, severity, title, description, status, source, geom, grid_id, community_id, reported_at, due_at)
         SELECT 'INC-KPI-PARTS-1', 'environment', 'small', 'kpi parts', '', 'reported', 'api', ST_PointOnSurface(g.geom), g.id, g.community_id, now(), now() + interval '1 day'
           FROM grids g WHERE g.id = $1`,
        [grid]);
      statements.length = 0;
      listener([event('incident', 1), event('user', 2)]);
      await expect.poll(() => pushed.length, { timeout: 10_000 }).toBe(1);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/FROM incidents/);
      expect(statements[0]).not.toMatch(/FROM buildings|FROM violations|FROM parking_lots/);
      const full = await computeKpis(db, new Date(), 0, STREET_SCOPE);
      expect(pushed[0]).toMatchObject({ ...full, computedAt: expect.any(String) as unknown as string, asOfEventId: 0 });
      expect(pushed[0].openIncidents).toBe(first.openIncidents + 1);

      // an import replaced buildings: those figures are read again
      await db.query('UPDATE buildings SET households = households + 1 WHERE id = (SELECT min(id) FROM buildings)');
      statements.length = 0;
      listener([event('layer', 3)]);
      await expect.poll(() => pushed.length, { timeout: 10_000 }).toBe(2);
      expect(statements[0]).toMatch(/FROM buildings/);
      expect(statements[0]).not.toMatch(/FROM incidents/);
      expect(pushed[1].households).toBe(first.households + 1);
      // nothing moved: the cached figures answer without a query
      statements.length = 0;
      expect((await pusher.current(STREET_SCOPE)).households).toBe(first.households + 1);
      expect(statements).toHaveLength(0);
    } finally {
      pusher.stop();
    }
  });
});
