// The sample street as generated into a fresh, migrated database on every backend: the official totals land
// exactly, geometry is valid and nested, the walking network is one component that reaches every building,
// the incident history is consistent with the closed loop, and two runs give identical rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREET, WALK_SPEED_MPS } from '../../common/domain';
import { dueTimes } from '../../server/incidents/due-times';
import { generateSample, loadSampleStreet } from '../../server/sample/load-sample';
import { backends, freshDb } from '../helpers/test-db';
import type { TestDb } from '../helpers/test-db';
import { one, reachableNodes, rowsHash } from './sample-checks';

describe.each(backends())('sample street on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    await loadSampleStreet(t.db);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('lands exactly on the official totals of PRODUCT.md §2', async () => {
    const b = await one<{ hh: number; res: number; pm: number }>(
      t.db,
      'SELECT sum(households)::int AS hh, sum(residents)::int AS res, sum(party_members)::int AS pm FROM buildings',
    );
    expect(b).toEqual({ hh: STREET.households, res: STREET.residents, pm: STREET.partyMembers });
    const pb = await one<{ n: number; orgs: number; members: number }>(
      t.db,
      'SELECT count(*)::int AS n, count(DISTINCT org_name)::int AS orgs, sum(members)::int AS members FROM party_branches',
    );
    expect(pb).toEqual({ n: STREET.partyBranches, orgs: STREET.partyOrgs, members: STREET.partyMembers });
    const chain = await one<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM people WHERE role IN ('grid_worker', 'building_head')`);
    expect(chain.n).toBe(STREET.gridWorkersAndBuildingHeads);
    const roles = Object.fromEntries(
      (await t.db.query<{ role: string; n: number }>('SELECT role, count(*)::int AS n FROM people GROUP BY role')).rows.map((r) => [r.role, r.n]),
    );
    expect(roles.community_secretary).toBe(12);
    expect(roles.cadre).toBe(13);
    expect(roles.street_leader).toBeGreaterThan(0);
    expect(roles.volunteer).toBeGreaterThan(0);
    const vol = await one<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM people WHERE role = 'volunteer' AND NOT party_member`);
    expect(vol.n).toBe(0);
  });

  it('has 12 communities with proper codes, 40–70 grids of 300–500 households, and the chain filled', async () => {
    const c = await one<{ n: number; invented: number; bad_code: number; no_chain: number }>(
      t.db,
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE name_is_sample)::int AS invented,
              count(*) FILTER (WHERE code !~ ('^' || street_code || '[0-9]{3}$'))::int AS bad_code,
              count(*) FILTER (WHERE leader_id IS NULL OR secretary_id IS NULL)::int AS no_chain FROM communities`,
    );
    expect(c).toEqual({ n: 12, invented: 3, bad_code: 0, no_chain: 0 });
    const known = (await t.db.query<{ name: string }>('SELECT name FROM communities WHERE NOT name_is_sample ORDER BY name')).rows.map((r) => r.name);
    expect(known.sort()).toEqual(['三辰', '东升里', '丹凤里', '双发温泉', '新华里', '朝阳里', '果园里', '辰庆家园', '都旺新城'].sort());
    const g = await one<{ n: number; bad_code: number; no_worker: number }>(
      t.db,
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE g.code !~ ('^' || c.code || '[0-9]{3}$'))::int AS bad_code,
              count(*) FILTER (WHERE g.worker_id IS NULL)::int AS no_worker
         FROM grids g JOIN communities c ON c.id = g.community_id`,
    );
    expect(g.n).toBeGreaterThanOrEqual(40);
    expect(g.n).toBeLessThanOrEqual(70);
    expect(g.bad_code + g.no_worker).toBe(0);
    const hh = await one<{ lo: number; hi: number }>(
      t.db,
      'SELECT min(s)::int AS lo, max(s)::int AS hi FROM (SELECT sum(households) AS s FROM buildings GROUP BY grid_id) x',
    );
    expect(hh.lo).toBeGreaterThanOrEqual(300);
    expect(hh.hi).toBeLessThanOrEqual(500);
    const bh = await one<{ n: number }>(
      t.db,
      `SELECT count(*)::int AS n FROM buildings b LEFT JOIN people p ON p.id = b.head_id WHERE p.id IS NULL OR p.role <> 'building_head'`,
    );
    expect(bh.n).toBe(0);
    const everyGrid = await one<{ n: number }>(
      t.db,
      `SELECT count(*)::int AS n FROM grids g WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.grid_id = g.id AND p.role = 'grid_worker')`,
    );
    expect(everyGrid.n).toBe(0);
    const onDuty = await one<{ n: number; bad: number }>(
      t.db,
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE position IS NULL OR position_at IS NULL)::int AS bad
         FROM people WHERE on_duty AND role = 'grid_worker'`,
    );
    expect(onDuty.n).toBeGreaterThan(0);
    expect(onDuty.bad).toBe(0);
  });

  it('places facilities, parking and violation points as the brief says', async () => {
    const cc = await one<{ n: number; ok: number; comm_ok: number }>(
      t.db,
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE meets_standard)::int AS ok,
              (SELECT count(*) FILTER (WHERE center_meets_standard) FROM communities)::int AS comm_ok
         FROM facilities WHERE type = 'community_center'`,
    );
    expect(cc).toEqual({ n: 12, ok: 4, comm_ok: 4 });
    const types = (await t.db.query<{ type: string }>('SELECT DISTINCT type FROM facilities ORDER BY type')).rows.map((r) => r.type);
    expect(types).toEqual(['clinic', 'community_center', 'culture_sports', 'elderly_daycare', 'kindergarten', 'market', 'party_service_center', 'school']);
    const culture = await one<{ area: number }>(t.db, `SELECT area_m2 AS area FROM facilities WHERE type = 'culture_sports'`);
    expect(culture.area).toBe(770);
    const shared = (
      await t.db.query<{ name: string; availability: { days: number[]; from: string; to: string }[] }>(
        `SELECT c.name, p.availability FROM parking_lots p JOIN communities c ON c.id = p.community_id WHERE p.kind = 'time_shared'`,
      )
    ).rows;
    expect(new Set(shared.map((s) => s.name))).toEqual(new Set(['东升里', '朝阳里']));
    for (const s of shared) {
      expect(s.availability.length).toBeGreaterThan(0);
      for (const win of s.availability) expect(win.from).toMatch(/^\d\d:\d\d$/);
    }
    const v = await one<{ n: number; statuses: number }>(
      t.db,
      `SELECT count(*)::int AS n, count(DISTINCT status)::int AS statuses FROM violations v JOIN communities c ON c.id = v.community_id
        WHERE c.name = '都旺新城' AND v.kind = 'illegal_construction'`,
    );
    expect(v.n).toBeGreaterThanOrEqual(30);
    expect(v.statuses).toBeGreaterThanOrEqual(4);
    const inspections = await one<{ n: number }>(
      t.db,
      `SELECT count(*)::int AS n FROM violations WHERE kind IN ('civilization_inspection', 'sanitation_inspection')`,
    );
    expect(inspections.n).toBeGreaterThan(10);
    const care = await one<{ n: number; groups: number }>(t.db, 'SELECT count(*)::int AS n, count(DISTINCT group_code)::int AS groups FROM care_subjects');
    expect(care.n).toBeGreaterThan(50);
    expect(care.groups).toBeGreaterThanOrEqual(5);
    const phones = await one<{ bad: number }>(
      t.db,
      `SELECT (SELECT count(*) FROM people WHERE phone !~ '^1[0-9]{2}-0000-[0-9]{4}$')::int
            + (SELECT count(*) FROM care_subjects WHERE phone !~ '^1[0-9]{2}-0000-[0-9]{4}$')::int AS bad`,
    );
    expect(phones.bad).toBe(0);
  });

  it('keeps every geometry valid and inside what owns it', async () => {
    const invalid = await one<{ n: number }>(
      t.db,
      `SELECT (SELECT count(*) FROM streets WHERE NOT ST_IsValid(geom)) + (SELECT count(*) FROM communities WHERE NOT ST_IsValid(geom))
            + (SELECT count(*) FROM grids WHERE NOT ST_IsValid(geom)) + (SELECT count(*) FROM buildings WHERE NOT ST_IsValid(geom))
            + (SELECT count(*) FROM compounds WHERE NOT ST_IsValid(geom)) + (SELECT count(*) FROM basemap_features WHERE NOT ST_IsValid(geom)) AS n`,
    );
    expect(Number(invalid.n)).toBe(0);
    const street = await one<{ km2: number; xmin: number; xmax: number; ymin: number; ymax: number }>(
      t.db,
      `SELECT ST_Area(geom::geography) / 1e6 AS km2, ST_XMin(geom) AS xmin, ST_XMax(geom) AS xmax, ST_YMin(geom) AS ymin, ST_YMax(geom) AS ymax FROM streets`,
    );
    expect(Math.abs(street.km2 - STREET.areaKm2) / STREET.areaKm2).toBeLessThan(0.02);
    expect(street.xmin).toBeGreaterThan(STREET.bbox[0]);
    expect(street.ymin).toBeGreaterThan(STREET.bbox[1]);
    expect(street.xmax).toBeLessThan(STREET.bbox[2]);
    expect(street.ymax).toBeLessThan(STREET.bbox[3]);
    const outside = await one<Record<string, number>>(
      t.db,
      `SELECT
         (SELECT count(*) FROM communities c JOIN streets s ON s.code = c.street_code WHERE NOT ST_CoveredBy(c.geom, s.geom))::int AS communities,
         (SELECT count(*) FROM grids g JOIN communities c ON c.id = g.community_id WHERE NOT ST_CoveredBy(g.geom, c.geom))::int AS grids,
         (SELECT count(*) FROM buildings b JOIN grids g ON g.id = b.grid_id WHERE NOT ST_CoveredBy(b.geom, g.geom) OR g.community_id <> b.community_id)::int AS buildings,
         (SELECT count(*) FROM compounds x JOIN communities c ON c.id = x.community_id WHERE NOT ST_CoveredBy(x.geom, c.geom))::int AS compounds,
         (SELECT count(*) FROM facilities f JOIN communities c ON c.id = f.community_id WHERE NOT ST_CoveredBy(f.geom, c.geom))::int AS facilities,
         (SELECT count(*) FROM parking_lots p JOIN communities c ON c.id = p.community_id WHERE NOT ST_CoveredBy(p.geom, c.geom))::int AS parking,
         (SELECT count(*) FROM violations v JOIN grids g ON g.id = v.grid_id WHERE NOT ST_CoveredBy(v.geom, g.geom))::int AS violations,
         (SELECT count(*) FROM incidents i JOIN grids g ON g.id = i.grid_id WHERE NOT ST_CoveredBy(i.geom, g.geom) OR g.community_id <> i.community_id)::int AS incidents,
         (SELECT count(*) FROM people p JOIN grids g ON g.id = p.grid_id WHERE p.position IS NOT NULL AND NOT ST_CoveredBy(p.position, g.geom))::int AS positions`,
    );
    expect(outside).toEqual({ communities: 0, grids: 0, buildings: 0, compounds: 0, facilities: 0, parking: 0, violations: 0, incidents: 0, positions: 0 });
    const overlap = await one<{ n: number }>(
      t.db,
      `SELECT count(*)::int AS n FROM grids a JOIN grids b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)
        WHERE ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 1`,
    );
    expect(overlap.n).toBe(0);
    const basemap = (await t.db.query<{ kind: string }>('SELECT DISTINCT kind FROM basemap_features ORDER BY kind')).rows.map((r) => r.kind);
    expect(basemap).toEqual(expect.arrayContaining(['road_major', 'road_minor', 'water', 'green']));
    const named = (await t.db.query<{ name: string }>(`SELECT DISTINCT name FROM basemap_features WHERE kind = 'road_major'`)).rows.map((r) => r.name);
    expect(named).toEqual(expect.arrayContaining(['果园北道', '果园南道', '果园东路', '北辰道', '城建北路']));
  });

  it('has one connected walking network that reaches every building', async () => {
    const { reached, nodes } = await reachableNodes(t.db);
    expect(nodes).toBeGreaterThan(100);
    expect(reached).toBe(nodes);
    const costs = await one<{ bad_cost: number; bad_len: number; n: number }>(
      t.db,
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE abs(cost_s - length_m / $1) > 0.01 OR reverse_cost_s <> cost_s)::int AS bad_cost,
              count(*) FILTER (WHERE abs(length_m - ST_Length(geom::geography)) > greatest(0.5, 0.01 * length_m))::int AS bad_len
         FROM walk_edges`,
      [WALK_SPEED_MPS],
    );
    expect(costs.n).toBeGreaterThan(100);
    expect(costs.bad_cost).toBe(0);
    expect(costs.bad_len).toBe(0);
    const acc = await one<{ missing: number; off_edge: number; far: number }>(
      t.db,
      `SELECT (SELECT count(*) FROM buildings b WHERE NOT EXISTS (SELECT 1 FROM building_access a WHERE a.building_id = b.id))::int AS missing,
              (SELECT count(*) FROM building_access a JOIN walk_edges e ON e.id = a.edge_id
                WHERE ST_Distance(a.geom::geography, ST_LineInterpolatePoint(e.geom, a.fraction)::geography) > 0.5)::int AS off_edge,
              (SELECT count(*) FROM building_access WHERE distance_m > 80)::int AS far`,
    );
    expect(acc).toEqual({ missing: 0, off_edge: 0, far: 0 });
    // The access edge is the nearest one: no other edge is closer to the building centre (1 m slack).
    const nearer = await one<{ n: number }>(
      t.db,
      `SELECT count(*)::int AS n FROM building_access a JOIN buildings b ON b.id = a.building_id
        CROSS JOIN LATERAL (SELECT e.id, ST_Distance(e.geom::geography, ST_Centroid(b.geom)::geography) AS d
                              FROM walk_edges e ORDER BY e.geom <-> ST_Centroid(b.geom) LIMIT 1) best
        WHERE best.d < a.distance_m - 1`,
    );
    expect(nearer.n).toBe(0);
  });

  it('writes an incident history consistent with the closed loop, with hot areas', async () => {
    const rows = (
      await t.db.query<{
        severity: 'small' | 'big'; status: string; source: string; reported_at: Date; accepted_at: Date | null; assigned_at: Date | null;
        resolved_at: Date | null; verified_at: Date | null; closed_at: Date | null; due_at: Date; plan_due_at: Date | null;
        satisfaction: number | null; resolved_by: string | null; verified_by: string | null; assignee_id: number | null;
        leader_id: number | null; rework_count: number; escalation_level: number; escalated_at: Date | null; reply: string | null;
      }>('SELECT * FROM incidents')
    ).rows;
    expect(rows.length).toBeGreaterThan(500);
    const order = ['reported', 'accepted', 'assigned', 'in_progress', 'resolved', 'verified', 'closed'];
    for (const r of rows) {
      expect(r.source).toBe('sample');
      const due = dueTimes(r.severity, new Date(r.reported_at));
      expect(new Date(r.due_at).getTime()).toBe(due.dueAt.getTime());
      expect(r.plan_due_at === null ? null : new Date(r.plan_due_at).getTime()).toBe(due.planDueAt?.getTime() ?? null);
      if (r.severity === 'big') expect(r.leader_id).not.toBeNull();
      if (r.status === 'rejected') {
        expect(r.accepted_at).toBeNull();
        continue;
      }
      const rank = order.indexOf(r.status);
      const stamps = [r.accepted_at, r.assigned_at, r.resolved_at, r.verified_at, r.closed_at];
      const needs = [rank >= 1, rank >= 2, rank >= 4, rank >= 5, rank >= 6];
      stamps.forEach((s, i) => expect(s !== null).toBe(needs[i]));
      const times = [r.reported_at, ...stamps].filter((s): s is Date => s !== null).map((s) => new Date(s).getTime());
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      if (rank >= 2) expect(r.assignee_id).not.toBeNull();
      if (r.status === 'closed') {
        expect(r.satisfaction).toBeGreaterThanOrEqual(1);
        expect(r.reply).not.toBeNull();
      } else expect(r.satisfaction).toBeNull();
      if (r.verified_by) expect(r.verified_by).not.toBe(r.resolved_by);
      if (r.escalation_level > 0) expect(new Date(r.escalated_at as Date).getTime()).toBeGreaterThan(new Date(r.due_at).getTime());
    }
    expect(rows.filter((r) => r.rework_count > 0).length).toBeGreaterThan(10);
    expect(rows.filter((r) => r.escalation_level > 0).length).toBeGreaterThan(10);
    expect(new Set(rows.map((r) => r.status)).size).toBeGreaterThanOrEqual(5);
    const perGrid = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents GROUP BY grid_id ORDER BY n DESC')).rows.map((r) => r.n);
    const mean = rows.length / perGrid.length;
    expect(perGrid[0]).toBeGreaterThan(3 * mean);
  });

  it('loads nothing more when asked to load only into an empty database', async () => {
    const before = await one<{ n: number }>(t.db, 'SELECT count(*)::int AS n FROM buildings');
    await loadSampleStreet(t.db, { onlyIfEmpty: true });
    const after = await one<{ n: number }>(t.db, 'SELECT count(*)::int AS n FROM buildings');
    expect(after.n).toBe(before.n);
  });

  it('is deterministic: a second run into another fresh database gives identical rows', async () => {
    const other = await freshDb(backend, 'empty');
    try {
      await loadSampleStreet(other.db);
      expect(await rowsHash(other.db)).toEqual(await rowsHash(t.db));
      const changed = await freshDb(backend, 'empty');
      try {
        await generateSample(changed.db, { seed: 7 });
        expect((await rowsHash(changed.db)).buildings).not.toBe((await rowsHash(t.db)).buildings);
      } finally {
        await changed.drop();
      }
    } finally {
      await other.drop();
    }
    // Two more fresh databases and two more loads: on a busy 2-core machine PGlite needs more than the default.
  }, 300_000);
});
