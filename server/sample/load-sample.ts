// Writes the deterministic SAMPLE data set (PRODUCT.md §2, labelled as sample everywhere) into a database:
// one street, or copies of it tiled side by side for the district (×50) and city (×250) scales. Everything
// is inserted in one transaction with batched json_to_recordset inserts, so a half-loaded sample never
// becomes visible and a fresh start loads the street in a few seconds even on PGlite.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STREET, WALK_SPEED_MPS } from '../../common/domain';
import type { Db, Queryable } from '../db/db';
import type { Logger } from '../logger';
import { appendEvent } from '../events/append-event';
import { BatchWriter, bulkUpdate, geomColumn } from './bulk-insert';
import type { Column } from './bulk-insert';
import { loadStreetDefinition, SAMPLE_DATA_DIR } from './definitions';
import { Frame, lineWkt, multiPolygonWkt, pointWkt, polygonWkt, rectCorners } from './geo';
import { buildLayout, TILE_GAP_M } from './layout';
import type { Layout } from './layout';
import { buildPopulation } from './population';
import type { Population } from './population';
import { generateIncidents } from './incidents';
import { holdsAnyData, recordLayer } from '../dataset/dataset-status';

export const SAMPLE_SEED = 20161231;
/** The sample's "now": history ends here and due times, ages and positions are relative to it. */
export const SAMPLE_ANCHOR_ISO = '2026-11-23T09:00:00+08:00';
export const SCALES = { street: 1, district: 50, city: 250 } as const;
/** Default report rate for one street (≈25 a day); the history holds historyDays' worth of it. */
export const DEFAULT_INCIDENTS_PER_YEAR_PER_STREET = 9000;
export const DEFAULT_HISTORY_DAYS = 42;

/** Advisory lock so two processes starting on an empty database do not both load the sample. */
const SAMPLE_LOCK_KEY = 7_120_113_003;

export interface LoadSampleOptions {
  onlyIfEmpty?: boolean;
  logger?: Logger;
  /** End of the history (default SAMPLE_ANCHOR_ISO, which keeps test templates identical run to run). */
  anchor?: Date;
}

export interface GenerateOptions {
  scale?: number;
  seed?: number;
  historyDays?: number;
  /** Incidents per year over the whole data set (default 9,000 × scale). */
  incidentsPerYear?: number;
  anchor?: Date;
  onlyIfEmpty?: boolean;
  logger?: Logger;
  batchSize?: number;
  /** Called after each table with the rows written and the seconds since the start (CLI progress). */
  progress?: (step: string, rows: number, seconds: number) => void;
}

export interface SampleTotals {
  loaded: boolean;
  scale: number;
  seed: number;
  streets: number;
  communities: number;
  grids: number;
  compounds: number;
  buildings: number;
  households: number;
  residents: number;
  partyMembers: number;
  people: number;
  gridWorkersAndBuildingHeads: number;
  partyBranches: number;
  careSubjects: number;
  facilities: number;
  parkingLots: number;
  violations: number;
  walkNodes: number;
  walkEdges: number;
  buildingAccess: number;
  basemapFeatures: number;
  incidents: number;
  ms: number;
}

const SERIAL_TABLES = [
  'communities', 'grids', 'compounds', 'buildings', 'people', 'party_branches', 'care_subjects', 'facilities',
  'parking_lots', 'violations', 'walk_edges', 'incidents',
] as const;
type SerialTable = (typeof SERIAL_TABLES)[number];

const int = (name: string): Column => ({ name, type: 'integer' });
const text = (name: string): Column => ({ name, type: 'text' });
const ts = (name: string): Column => ({ name, type: 'timestamptz' });

/** Where copy k of the street sits (local metres) and its codes. */
interface Tile {
  k: number;
  dx: number;
  dy: number;
  code: string;
  suffix: string;
}

function tiles(layout: Layout, scale: number): Tile[] {
  const w = layout.extent.x1 - layout.extent.x0 + TILE_GAP_M;
  const h = layout.extent.y1 - layout.extent.y0 + TILE_GAP_M;
  const cols = Math.ceil(Math.sqrt(scale));
  return Array.from({ length: scale }, (_, k) => ({
    k,
    dx: (k % cols) * w,
    dy: -Math.floor(k / cols) * h,
    code: String(Number(STREET.code) + k).padStart(9, '0'),
    suffix: k === 0 ? '' : `（样例副本${k + 1}）`,
  }));
}

export async function generateSample(db: Db, options: GenerateOptions = {}): Promise<SampleTotals> {
  const started = Date.now();
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || scale > 998) throw new Error(`scale must be an integer 1–998, got ${scale}`);
  const seed = options.seed ?? SAMPLE_SEED;
  const historyDays = options.historyDays ?? DEFAULT_HISTORY_DAYS;
  const perYear = options.incidentsPerYear ?? DEFAULT_INCIDENTS_PER_YEAR_PER_STREET * scale;
  const anchor = (options.anchor ?? new Date(SAMPLE_ANCHOR_ISO)).getTime();
  const batchSize = options.batchSize ?? 4000;

  const def = loadStreetDefinition();
  const layout = buildLayout(def, seed);
  const pop = buildPopulation(layout, seed);
  const frame = new Frame(def.rotationDeg);

  const totals = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SAMPLE_LOCK_KEY]);
    // "Empty" means empty of every layer, not only of communities: an OSM import without communities, or a
    // street created for real data, must never get the synthetic street loaded beside it (issue 16).
    if (options.onlyIfEmpty && (await holdsAnyData(tx))) return null;
    return writeAll(tx, { layout, pop, frame, scale, seed, historyDays, perYear, anchor, batchSize, progress: options.progress });
  });
  const result: SampleTotals = totals ?? { ...emptyTotals(scale, seed), loaded: false };
  result.ms = Date.now() - started;
  options.logger?.info({ sample: result }, result.loaded ? 'SAMPLE data loaded (synthetic, not real)' : 'sample data not loaded: database not empty');
  return result;
}

function emptyTotals(scale: number, seed: number): SampleTotals {
  return {
    loaded: false, scale, seed, streets: 0, communities: 0, grids: 0, compounds: 0, buildings: 0, households: 0, residents: 0,
    partyMembers: 0, people: 0, gridWorkersAndBuildingHeads: 0, partyBranches: 0, careSubjects: 0, facilities: 0,
    parkingLots: 0, violations: 0, walkNodes: 0, walkEdges: 0, buildingAccess: 0, basemapFeatures: 0, incidents: 0, ms: 0,
  };
}

interface WriteContext {
  layout: Layout;
  pop: Population;
  frame: Frame;
  scale: number;
  seed: number;
  historyDays: number;
  perYear: number;
  anchor: number;
  batchSize: number;
  progress?: GenerateOptions['progress'];
}

async function writeAll(tx: Queryable, ctx: WriteContext): Promise<SampleTotals> {
  const { layout, pop, frame, scale, anchor, batchSize } = ctx;
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  // Tiled copies: skip per-row FK trigger checks for this transaction, as pg_restore --disable-triggers does
  // (about twice as fast at city scale). The rows are consistent by construction; tests/sample check the
  // references explicitly at scale. Needs a superuser; otherwise the checks simply stay on.
  if (scale > 1) {
    const su = await tx.query<{ su: boolean }>('SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user');
    if (su.rows[0]?.su) await tx.query('SET LOCAL session_replication_role = replica');
  }
  const base = {} as Record<SerialTable | 'walk_nodes', number>;
  for (const t of [...SERIAL_TABLES, 'walk_nodes'] as const) {
    base[t] = (await tx.query<{ m: number }>(`SELECT coalesce(max(id), 0)::bigint AS m FROM ${t}`)).rows[0].m;
  }
  const nC = layout.communities.length;
  const nG = layout.grids.length;
  const nP = pop.people.length;
  const nB = layout.buildings.length;
  const id = {
    community: (k: number, i: number) => base.communities + k * nC + i + 1,
    grid: (k: number, i: number) => base.grids + k * nG + i + 1,
    compound: (k: number, i: number) => base.compounds + k * layout.compounds.length + i + 1,
    building: (k: number, i: number) => base.buildings + k * nB + i + 1,
    person: (k: number, i: number) => base.people + k * nP + i + 1,
    node: (k: number, i: number) => base.walk_nodes + k * layout.nodes.length + i + 1,
    edge: (k: number, i: number) => base.walk_edges + k * layout.edges.length + i + 1,
  };
  const all = tiles(layout, scale);
  const w = <R extends Record<string, unknown>>(table: string, cols: Column[]) => new BatchWriter<R>(tx, table, cols, batchSize);
  const t0 = Date.now();
  const done = (step: string, rows: number): void => ctx.progress?.(step, rows, (Date.now() - t0) / 1000);

  const streets = w('streets', [
    text('code'), text('name'), text('name_en'), text('district'), text('city'), { name: 'area_km2_official', type: 'float8' },
    int('households_official'), int('residents_official'), { name: 'is_sample', type: 'boolean' }, geomColumn('geom'),
  ]);
  for (const t of all) {
    await streets.push({
      code: t.code, name: STREET.name + t.suffix, name_en: STREET.nameEn + (t.k ? ` (sample copy ${t.k + 1})` : ''),
      district: STREET.district, city: STREET.city, area_km2_official: STREET.areaKm2, households_official: STREET.households,
      residents_official: STREET.residents, is_sample: true, geom: multiPolygonWkt(frame, layout.streetRing, t.dx, t.dy),
    });
  }
  await streets.flush();
  done('streets', streets.count);

  const communities = w('communities', [
    int('id'), text('street_code'), text('code'), text('name'), text('name_en'), { name: 'name_is_sample', type: 'boolean' },
    { name: 'center_area_m2', type: 'float8' }, { name: 'center_meets_standard', type: 'boolean' }, geomColumn('geom'),
  ]);
  const grids = w('grids', [int('id'), int('community_id'), text('code'), text('name'), geomColumn('geom')]);
  for (const t of all) {
    for (const c of layout.communities) {
      await communities.push({
        id: id.community(t.k, c.idx), street_code: t.code, code: t.code + c.serial, name: c.def.name + t.suffix,
        name_en: c.def.nameEn + (t.k ? ` (copy ${t.k + 1})` : ''), name_is_sample: c.def.invented,
        center_area_m2: c.def.centerAreaM2, center_meets_standard: c.def.meetsStandard, geom: multiPolygonWkt(frame, c.ring, t.dx, t.dy),
      });
    }
  }
  await communities.flush();
  done('communities', communities.count);
  for (const t of all) {
    for (const g of layout.grids) {
      const c = layout.communities[g.community];
      await grids.push({
        id: id.grid(t.k, g.idx), community_id: id.community(t.k, c.idx), code: t.code + c.serial + g.serial,
        name: g.name + t.suffix, geom: multiPolygonWkt(frame, g.ring, t.dx, t.dy),
      });
    }
  }
  await grids.flush();
  done('grids', grids.count);

  const people = w('people', [
    int('id'), text('role'), text('name'), text('phone'), { name: 'party_member', type: 'boolean' }, int('community_id'),
    int('grid_id'), { name: 'on_duty', type: 'boolean' }, geomColumn('position'), ts('position_at'),
  ]);
  for (const t of all) {
    for (const p of pop.people) {
      await people.push({
        id: id.person(t.k, p.idx), role: p.role, name: p.name, phone: p.phone, party_member: p.partyMember,
        community_id: p.community === null ? null : id.community(t.k, p.community), grid_id: p.grid === null ? null : id.grid(t.k, p.grid),
        on_duty: p.onDuty, position: p.position ? pointWkt(frame, p.position, t.dx, t.dy) : null,
        position_at: p.positionAgeMin === null ? null : iso(anchor - p.positionAgeMin * 60_000),
      });
    }
  }
  await people.flush();
  done('people', people.count);
  await bulkUpdate(tx, 'communities', [int('leader_id'), int('secretary_id')], all.flatMap((t) =>
    layout.communities.map((c) => ({
      id: id.community(t.k, c.idx), leader_id: id.person(t.k, pop.communityLeader[c.idx]), secretary_id: id.person(t.k, pop.communitySecretary[c.idx]),
    })),
  ));
  await bulkUpdate(tx, 'grids', [int('worker_id')], all.flatMap((t) =>
    layout.grids.map((g) => ({ id: id.grid(t.k, g.idx), worker_id: id.person(t.k, pop.gridWorker[g.idx]) })),
  ));

  const compounds = w('compounds', [int('id'), int('community_id'), text('name'), geomColumn('geom')]);
  for (const t of all) {
    for (const c of layout.compounds) {
      await compounds.push({
        id: id.compound(t.k, c.idx), community_id: id.community(t.k, c.community), name: c.name + t.suffix,
        geom: multiPolygonWkt(frame, rectCorners(c.rect), t.dx, t.dy),
      });
    }
  }
  await compounds.flush();
  done('compounds (+ chain links)', compounds.count);

  const buildings = w('buildings', [
    int('id'), text('code'), int('community_id'), int('grid_id'), int('compound_id'), text('name'), text('address'), text('use'),
    int('floors'), int('households'), int('residents'), int('party_members'), int('head_id'), text('source'), text('source_id'),
    geomColumn('geom'),
  ]);
  for (const t of all) {
    for (const b of layout.buildings) {
      await buildings.push({
        id: id.building(t.k, b.idx), code: `${t.code}-B${b.serial}`, community_id: id.community(t.k, b.community),
        grid_id: id.grid(t.k, b.grid), compound_id: id.compound(t.k, b.compound), name: b.name, address: b.address + t.suffix,
        use: b.use, floors: b.floors, households: b.households, residents: b.residents, party_members: b.partyMembers,
        head_id: id.person(t.k, pop.buildingHead[b.idx]), source: 'sample', source_id: `${t.code}-B${b.serial}`,
        geom: polygonWkt(frame, rectCorners(b.rect), t.dx, t.dy),
      });
    }
  }
  await buildings.flush();
  done('buildings', buildings.count);
  await bulkUpdate(tx, 'people', [int('building_id')], all.flatMap((t) =>
    pop.people.filter((p) => p.building !== null).map((p) => ({ id: id.person(t.k, p.idx), building_id: id.building(t.k, p.building as number) })),
  ));

  const facilities = w('facilities', [
    text('code'), text('type'), text('name'), int('community_id'), { name: 'area_m2', type: 'float8' },
    { name: 'meets_standard', type: 'boolean' }, text('source'), geomColumn('geom'),
  ]);
  const parking = w('parking_lots', [
    text('code'), text('name'), int('community_id'), text('kind'), int('capacity'), int('occupied'), { name: 'availability', type: 'jsonb' },
    text('owner'), geomColumn('geom'), ts('updated_at'),
  ]);
  const violations = w('violations', [
    text('code'), text('kind'), text('status'), int('community_id'), int('grid_id'), text('description'), ts('found_at'),
    geomColumn('geom'), ts('updated_at'),
  ]);
  const care = w('care_subjects', [int('building_id'), int('grid_id'), text('group_code'), text('name'), text('phone'), text('note')]);
  const branches = w('party_branches', [text('org_name'), text('name'), int('community_id'), int('members')]);
  for (const t of all) {
    for (const [i, f] of layout.facilities.entries()) {
      await facilities.push({
        code: `${t.code}-F${String(i + 1).padStart(3, '0')}`, type: f.type, name: f.name + t.suffix,
        community_id: id.community(t.k, f.community), area_m2: f.areaM2, meets_standard: f.meetsStandard, source: 'sample',
        geom: pointWkt(frame, f.p, t.dx, t.dy),
      });
    }
    for (const [i, p] of pop.parking.entries()) {
      await parking.push({
        code: `${t.code}-P${String(i + 1).padStart(3, '0')}`, name: p.name + t.suffix, community_id: id.community(t.k, p.community),
        kind: p.kind, capacity: p.capacity, occupied: p.occupied, availability: p.availability, owner: p.owner,
        geom: pointWkt(frame, p.p, t.dx, t.dy), updated_at: iso(anchor),
      });
    }
    for (const [i, v] of pop.violations.entries()) {
      await violations.push({
        code: `${t.code}-V${String(i + 1).padStart(3, '0')}`, kind: v.kind, status: v.status, community_id: id.community(t.k, v.community),
        grid_id: id.grid(t.k, v.grid), description: v.description, found_at: iso(anchor - v.foundDaysAgo * 86_400_000),
        geom: pointWkt(frame, v.p, t.dx, t.dy), updated_at: iso(anchor - v.updatedDaysAgo * 86_400_000),
      });
    }
    for (const s of pop.careSubjects) {
      await care.push({
        building_id: id.building(t.k, s.building), grid_id: id.grid(t.k, s.grid), group_code: s.group, name: s.name, phone: s.phone, note: s.note,
      });
    }
    for (const b of pop.branches) {
      await branches.push({ org_name: b.org + t.suffix, name: b.name + t.suffix, community_id: b.community === null ? null : id.community(t.k, b.community), members: b.members });
    }
  }
  for (const x of [facilities, parking, violations, care, branches]) await x.flush();
  done('facilities, parking, violations, care subjects, branches', facilities.count + parking.count + violations.count + care.count + branches.count);

  // Walking network, plus links between neighbouring copies so a tiled city is one network too.
  const nodes = w('walk_nodes', [{ name: 'id', type: 'bigint' }, geomColumn('geom')]);
  const edgeCols: Column[] = [
    { name: 'id', type: 'bigint' }, { name: 'source', type: 'bigint' }, { name: 'target', type: 'bigint' }, text('kind'), text('name'),
    { name: 'length_m', type: 'float8' }, { name: 'cost_s', type: 'float8' }, { name: 'reverse_cost_s', type: 'float8' }, text('source_id'),
    geomColumn('geom'),
  ];
  const edges = w('walk_edges', edgeCols);
  const access = w('building_access', [
    int('building_id'), { name: 'edge_id', type: 'bigint' }, { name: 'fraction', type: 'float8' }, { name: 'distance_m', type: 'float8' }, geomColumn('geom'),
  ]);
  const basemap = w('basemap_features', [text('kind'), text('name'), geomColumn('geom')]);
  for (const t of all) {
    for (const n of layout.nodes) await nodes.push({ id: id.node(t.k, n.idx), geom: pointWkt(frame, n.p, t.dx, t.dy) });
  }
  await nodes.flush();
  done('walk_nodes', nodes.count);
  const cost = (m: number): number => Math.round((m / WALK_SPEED_MPS) * 1000) / 1000;
  for (const t of all) {
    for (const e of layout.edges) {
      await edges.push({
        id: id.edge(t.k, e.idx), source: id.node(t.k, e.a), target: id.node(t.k, e.b), kind: e.kind, name: e.name,
        length_m: e.lengthM, cost_s: cost(e.lengthM), reverse_cost_s: cost(e.lengthM), source_id: `sample:${t.code}:${e.idx}`,
        geom: lineWkt(frame, [layout.nodes[e.a].p, layout.nodes[e.b].p], t.dx, t.dy),
      });
    }
  }
  let linkId = base.walk_edges + scale * layout.edges.length;
  const cols = Math.ceil(Math.sqrt(scale));
  for (const t of all) {
    const east = all[t.k + 1];
    const south = all[t.k + cols];
    const links: [Map<number, number>, Map<number, number>, Tile, boolean][] = [];
    if (east && t.k % cols !== cols - 1) links.push([layout.boundaryNodes.east, layout.boundaryNodes.west, east, true]);
    if (south) links.push([layout.boundaryNodes.south, layout.boundaryNodes.north, south, false]);
    for (const [from, to, other, horizontal] of links) {
      for (const [at, a] of from) {
        const b = to.get(at) as number;
        const len = TILE_GAP_M;
        const road = horizontal ? layout.def.roads.horizontal.find((h) => h.y === at) : layout.def.roads.vertical.find((v) => v.x === at);
        await edges.push({
          id: ++linkId, source: id.node(t.k, a), target: id.node(other.k, b), kind: 'arterial', name: road?.name ?? null,
          length_m: len, cost_s: cost(len), reverse_cost_s: cost(len), source_id: `sample:link:${t.code}-${other.code}`,
          geom: lineWkt(frame, [
            [layout.nodes[a].p[0] + t.dx, layout.nodes[a].p[1] + t.dy],
            [layout.nodes[b].p[0] + other.dx, layout.nodes[b].p[1] + other.dy],
          ]),
        });
      }
    }
  }
  await edges.flush();
  done('walk_edges', edges.count);
  for (const t of all) {
    for (const a of layout.access) {
      await access.push({
        building_id: id.building(t.k, a.building), edge_id: id.edge(t.k, a.edge), fraction: a.fraction, distance_m: a.distanceM,
        geom: pointWkt(frame, a.p, t.dx, t.dy),
      });
    }
    for (const f of layout.basemap) {
      await basemap.push({
        kind: f.kind, name: f.name,
        geom: f.line ? lineWkt(frame, f.line, t.dx, t.dy) : polygonWkt(frame, f.ring ?? [], t.dx, t.dy),
      });
    }
  }
  await access.flush();
  await basemap.flush();
  done('building_access, basemap_features', access.count + basemap.count);

  // Incident history.
  const incidentCount = Math.round((ctx.perYear * ctx.historyDays) / 365);
  const incidents = w('incidents', [
    { name: 'id', type: 'bigint' }, text('code'), text('category'), text('severity'), text('status'), text('title'), text('description'),
    text('address'), text('source'), text('reporter_name'), text('reporter_phone'), int('community_id'), int('grid_id'), geomColumn('geom'),
    int('assignee_id'), int('leader_id'), text('plan'), ts('plan_due_at'), ts('due_at'), { name: 'escalation_level', type: 'smallint' },
    ts('escalated_at'), int('rework_count'), text('resolved_by'), text('verified_by'), text('reply'), ts('replied_at'),
    { name: 'satisfaction', type: 'smallint' }, ts('reported_at'), ts('accepted_at'), ts('assigned_at'), ts('resolved_at'),
    ts('verified_at'), ts('closed_at'), ts('updated_at'), int('version'),
  ]);
  let incId = base.incidents;
  for (const inc of generateIncidents(layout, { count: incidentCount, copies: scale, historyDays: ctx.historyDays, anchor, seed: ctx.seed })) {
    const t = all[inc.copy];
    const assignee = id.person(t.k, pop.gridWorker[inc.grid]);
    const secretary = id.person(t.k, pop.communitySecretary[inc.community]);
    incId += 1;
    await incidents.push({
      id: incId, code: `SMP-${inc.stamp}-${String(incId).padStart(7, '0')}`, category: inc.category, severity: inc.severity,
      status: inc.status, title: inc.title, description: inc.description, address: inc.address + t.suffix, source: 'sample',
      reporter_name: inc.reporterName, reporter_phone: inc.reporterPhone, community_id: id.community(t.k, inc.community),
      grid_id: id.grid(t.k, inc.grid), geom: pointWkt(frame, inc.p, t.dx, t.dy), assignee_id: inc.assigned ? assignee : null,
      leader_id: inc.leader ? id.person(t.k, pop.communityLeader[inc.community]) : null, plan: inc.plan,
      plan_due_at: iso(inc.planDueAt), due_at: iso(inc.dueAt), escalation_level: inc.escalationLevel, escalated_at: iso(inc.escalatedAt),
      rework_count: inc.reworkCount, resolved_by: inc.resolved ? `person:${assignee}` : null,
      verified_by: inc.verified ? `person:${secretary}` : null, reply: inc.reply, replied_at: iso(inc.repliedAt),
      satisfaction: inc.satisfaction, reported_at: iso(inc.reportedAt), accepted_at: iso(inc.acceptedAt), assigned_at: iso(inc.assignedAt),
      resolved_at: iso(inc.resolvedAt), verified_at: iso(inc.verifiedAt), closed_at: iso(inc.closedAt), updated_at: iso(inc.updatedAt),
      version: inc.version,
    });
  }
  await incidents.flush();
  done('incidents', incidents.count);

  // Serial sequences continue after the explicit ids.
  for (const table of SERIAL_TABLES) {
    await tx.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), greatest(1, (SELECT coalesce(max(id), 0) FROM ${table})))`);
  }

  const homes = layout.buildings.filter((b) => b.households > 0);
  const totals: SampleTotals = {
    loaded: true, scale, seed: ctx.seed, streets: streets.count, communities: communities.count, grids: grids.count,
    compounds: compounds.count, buildings: buildings.count,
    households: scale * homes.reduce((a, b) => a + b.households, 0),
    residents: scale * homes.reduce((a, b) => a + b.residents, 0),
    partyMembers: scale * homes.reduce((a, b) => a + b.partyMembers, 0),
    people: people.count,
    gridWorkersAndBuildingHeads: scale * pop.people.filter((p) => p.role === 'grid_worker' || p.role === 'building_head').length,
    partyBranches: branches.count, careSubjects: care.count, facilities: facilities.count, parkingLots: parking.count,
    violations: violations.count, walkNodes: nodes.count, walkEdges: edges.count, buildingAccess: access.count,
    basemapFeatures: basemap.count, incidents: incidents.count, ms: 0,
  };
  // Provenance: every layer the generator wrote is sample data (drives the badge on every screen).
  for (const [layer, rows] of [
    ['street', totals.streets], ['communities', totals.communities], ['grids', totals.grids], ['buildings', totals.buildings],
    ['people', totals.people], ['facilities', totals.facilities], ['parking_lots', totals.parkingLots],
    ['violations', totals.violations], ['walk', totals.walkEdges], ['basemap', totals.basemapFeatures], ['incidents', totals.incidents],
  ] as const) await recordLayer(tx, { layer, origin: 'sample', source: 'sample-generator', rows });
  // One event says the sample arrived (history incidents get no per-incident events: see data/sample/README.md).
  await appendEvent(tx, {
    type: 'sample.loaded', entityType: 'dataset', entityId: 'sample', actor: 'system:sample-generator',
    reason: 'synthetic SAMPLE data (PRODUCT.md §2), not real', payload: { ...totals, anchor: iso(anchor) },
  });
  return totals;
}

/** Loads the sample street (scale 1, default seed); with onlyIfEmpty, only into a database holding no data at all. */
export async function loadSampleStreet(db: Db, options: LoadSampleOptions = {}): Promise<void> {
  await generateSample(db, { scale: 1, onlyIfEmpty: options.onlyIfEmpty, logger: options.logger, anchor: options.anchor });
}

const RESET_INDEXES: [string, string][] = [
  ['sample_reset_tmp_b_head', 'buildings (head_id)'],
  ['sample_reset_tmp_b_compound', 'buildings (compound_id)'],
  ['sample_reset_tmp_p_building', 'people (building_id)'],
  ['sample_reset_tmp_p_community', 'people (community_id)'],
  ['sample_reset_tmp_x_community', 'compounds (community_id)'],
  ['sample_reset_tmp_c_leader', 'communities (leader_id)'],
  ['sample_reset_tmp_c_secretary', 'communities (secretary_id)'],
  ['sample_reset_tmp_g_worker', 'grids (worker_id)'],
];

/**
 * Removes the sample-domain rows (everything the generator writes) so `generate --reset` can reload. Users
 * keep their accounts: their links to people and grids are cleared first. Events and audit rows are
 * append-only and stay.
 */
export async function resetSampleData(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SAMPLE_LOCK_KEY]);
    await tx.query(
      'TRUNCATE incidents, building_access, walk_edges, walk_nodes, basemap_features, care_subjects, parking_lots, violations, facilities, party_branches',
    );
    // Deleting checks every referencing row; these FK columns have no index, which makes a large delete
    // quadratic. Temporary indexes (dropped before commit) keep --reset fast at city scale. They are made
    // before the updates below: an index built after rows changed in the same transaction is not used by it.
    for (const [name, on] of RESET_INDEXES) await tx.query(`CREATE INDEX ${name} ON ${on}`);
    await tx.query('UPDATE users SET person_id = NULL, scope_grid_id = NULL WHERE person_id IS NOT NULL OR scope_grid_id IS NOT NULL');
    await tx.query('UPDATE communities SET leader_id = NULL, secretary_id = NULL');
    await tx.query('UPDATE grids SET worker_id = NULL');
    await tx.query('UPDATE buildings SET head_id = NULL');
    await tx.query('UPDATE people SET building_id = NULL');
    for (const table of ['people', 'buildings', 'compounds', 'grids', 'communities', 'streets']) await tx.query(`DELETE FROM ${table}`);
    for (const [name] of RESET_INDEXES) await tx.query(`DROP INDEX ${name}`);
    await tx.query('DELETE FROM dataset_layers');
  });
}

/** Hash of the generator's code and definitions: test templates are rebuilt when either changes. */
export async function sampleFingerprint(): Promise<string> {
  const h = createHash('sha256');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const files = [
    ...(await readdir(here)).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join(here, f)),
    ...(await readdir(SAMPLE_DATA_DIR)).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(SAMPLE_DATA_DIR, f)),
    path.join(here, '../incidents/due-times.ts'),
  ];
  for (const f of files) h.update(path.basename(f)).update(await readFile(f));
  return h.digest('hex').slice(0, 16);
}
