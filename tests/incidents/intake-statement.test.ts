// The one-statement intake (server/incidents/intake-statement.ts) against the multi-statement path it replaced:
// the event payload it builds in SQL must be incidentPayload() of the stored row, for every row shape (grid or
// community only, small or big with a leader, reporter data that must stay out of events), and the audit row
// must say what was reported. Also: ids and event ids follow input order, an outside point is refused alone in
// a group and refuses a whole batch. On every backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock';
import { createIncidentService, type CommandContext, type IncidentService } from '../../server/incidents/incident-service';
import { incidentPayload } from '../../server/incidents/incident-events';
import { loadIncident } from '../../server/incidents/incident-row';
import { ReportIncidentSchema, type ReportIncidentInput } from '../../common/incidents';
import { AppError } from '../../common/errors';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { IN_A1, IN_B1, OUTSIDE, loadFixture, type Fixture } from './fixture';

const dispatcher: CommandContext = { actor: 'user:1', role: 'dispatcher', personId: null, ip: '10.0.0.7' };
const report = (o: Partial<ReportIncidentInput> = {}) => ReportIncidentSchema.parse({ category: 'environment', title: '垃圾堆放', location: IN_A1, ...o });
/** A community with no grids: its reports take the community and no grid. */
const IN_C = { lon: 117.19, lat: 39.2 } as const;

describe.each(backends())('one-statement intake on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let svc: IncidentService;
  let communityC: number;
  const clock = new ManualClock(new Date('2026-11-26T02:00:00.123Z'));

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    const c = await t.db.query<{ id: number }>(
      `INSERT INTO communities (street_code, code, name, name_en, geom)
       VALUES ('120113001', '120113001003', '新村', '新村', ST_GeomFromEWKT('SRID=4326;MULTIPOLYGON(((117.18 39.19,117.2 39.19,117.2 39.245,117.18 39.245,117.18 39.19)))')) RETURNING id`,
    );
    communityC = c.rows[0].id;
    svc = createIncidentService({ db: t.db, clock });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('stores for every row shape the event payload and audit row the service computes from the row', async () => {
    const batch = await svc.reportBatch(dispatcher, [
      report(),
      report({ severity: 'big', location: IN_B1, reporterName: '张三丰', reporterPhone: '13912345678', address: '朝阳里 3 号' }),
      report({ location: IN_C, description: '路灯不亮' }),
    ]);
    expect(batch.status).toBe(201);
    const ids = batch.body.items.map((i) => i.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(batch.body.items.map((i) => [i.communityId, i.gridId])).toEqual([[fx.communityA, fx.gridA1], [fx.communityB, fx.gridB1], [communityC, null]]);
    const events = await t.db.query<{ id: number; entity_id: string; actor: string; version: number; payload: unknown }>(
      `SELECT id, entity_id, actor, version, payload FROM events WHERE type = 'incident.reported' AND entity_id = ANY($1::text[]) ORDER BY id`,
      [ids.map(String)],
    );
    expect(events.rows.map((e) => Number(e.entity_id))).toEqual(ids);
    for (const e of events.rows) {
      const row = await loadIncident(t.db, Number(e.entity_id));
      if (!row) throw new Error('incident missing');
      expect(e.payload).toEqual(JSON.parse(JSON.stringify(incidentPayload(row))));
      expect(JSON.stringify(e.payload)).not.toContain('张三丰');
      expect(e.actor).toBe('user:1');
      expect(e.version).toBe(row.version);
    }
    const big = await loadIncident(t.db, ids[1]);
    expect(big?.leader_id).toBe(fx.leader);
    expect(big?.code).toMatch(/^INC-\d{8}-\d{6,}$/);
    const audits = await t.db.query<{ entity_id: string; actor: string; ip: string; detail: Record<string, unknown> }>(
      `SELECT entity_id, actor, ip, detail FROM audit_log WHERE action = 'incident.report' AND entity_id = ANY($1::text[]) ORDER BY id`,
      [ids.map(String)],
    );
    expect(audits.rows).toHaveLength(3);
    for (const a of audits.rows) {
      const row = await loadIncident(t.db, Number(a.entity_id));
      expect(a.actor).toBe('user:1');
      expect(a.ip).toBe('10.0.0.7');
      expect(a.detail).toEqual({ code: row?.code, category: row?.category, severity: row?.severity, source: 'api', communityId: row?.community_id, gridId: row?.grid_id });
    }
  });

  it('refuses a whole batch with one point outside, naming it, and stores nothing', async () => {
    const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents');
    const err = await svc.reportBatch(dispatcher, [report(), report({ location: OUTSIDE })]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('OUT_OF_JURISDICTION');
    expect((err as AppError).field).toBe('body.reports.1.location');
    const after = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('in a shared group commit refuses only the outside report; the others get their rows and events', async () => {
    const settled = await Promise.allSettled([
      svc.reportIncident(dispatcher, report()),
      svc.reportIncident(dispatcher, report({ location: OUTSIDE })),
      svc.reportIncident(dispatcher, report({ location: IN_B1 })),
      svc.reportIncident({ ...dispatcher, idempotencyKey: 'intake-stmt-key-1' }, report({ location: OUTSIDE })),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    for (const s of settled) if (s.status === 'rejected') expect((s.reason as AppError).code).toBe('OUT_OF_JURISDICTION');
    // the refused keyed report left no claim behind: the corrected retry with the same key is a new report
    const retry = await svc.reportIncident({ ...dispatcher, idempotencyKey: 'intake-stmt-key-1' }, report({ location: IN_A1 }));
    expect(retry.status).toBe(201);
    expect(retry.replayed).toBe(false);
    const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.body.id] : []));
    const ev = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE type = 'incident.reported' AND entity_id = ANY($1::text[])`, [ok.map(String)]);
    expect(ev.rows[0].n).toBe(2);
  });
});
