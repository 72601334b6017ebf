// What the database holds and where it came from: the server-side fact behind the "sample data" badge, the
// guard that keeps the sample out of a database with real data, and the per-capability report of what is
// still missing after an import (no grids → reports are not routed, no network → no coverage, …).
import type { Queryable } from '../db/db';
import type { ScopePolicy } from '../auth/scope';
import { LAYER_SCOPE, type ScopedLayer } from '../layers/layer-scope';

import type { CapabilityStatus, DataTable, DatasetKind, DatasetOrigin, DatasetStatus } from '../../common/dataset';
import { DATA_TABLES } from '../../common/dataset';
export type { DatasetStatus } from '../../common/dataset';

/** Records (upserts) that `rows` rows of `layer` now come from `source`. Call inside the import's transaction. */
export async function recordLayer(
  tx: Queryable,
  entry: { layer: string; origin: DatasetOrigin; source: string; rows: number },
): Promise<void> {
  await tx.query(
    `INSERT INTO dataset_layers (layer, origin, source, rows, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (layer, origin, source) DO UPDATE SET rows = EXCLUDED.rows, updated_at = now()`,
    [entry.layer, entry.origin, entry.source, entry.rows],
  );
}

/** Forgets the provenance of a layer whose rows were all deleted (an import with replace). */
export async function forgetLayer(tx: Queryable, layer: string): Promise<void> {
  await tx.query('DELETE FROM dataset_layers WHERE layer = $1', [layer]);
}

/** True when any data table holds a row, or any provenance record exists (the sample loader's guard). */
export async function holdsAnyData(q: Queryable): Promise<boolean> {
  const checks = [...DATA_TABLES.map((t) => `EXISTS (SELECT 1 FROM ${t})`), 'EXISTS (SELECT 1 FROM dataset_layers)'];
  const res = await q.query<{ any: boolean }>(`SELECT (${checks.join(' OR ')}) AS any`);
  return Boolean(res.rows[0].any);
}

async function counts(q: Queryable): Promise<DatasetStatus['counts']> {
  const cols = DATA_TABLES.map((t) => `(SELECT count(*) FROM ${t})::int AS ${t}`);
  const res = await q.query<Record<string, number>>(
    `SELECT ${cols.join(', ')},
            (SELECT count(*) FROM building_access)::int AS building_access,
            (SELECT count(*) FROM grids WHERE worker_id IS NOT NULL)::int AS grid_workers,
            (SELECT coalesce(sum(residents), 0) FROM buildings)::int AS residents`,
  );
  return numbers(res.rows[0]);
}

function numbers(row: Record<string, unknown>): DatasetStatus['counts'] {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as DatasetStatus['counts'];
}

/**
 * The counts of what a scope that is not the street reads (a grid worker): each layer by its rule in
 * layer-scope.ts (their community, their grid, its buildings, the facilities, parking and violations in it),
 * the cases of ScopePolicy.cases, the people of their grid, and the residents and snapped buildings of their
 * buildings. The street, the walking network and the basemap are the same for everyone and counted whole.
 */
async function scopedCounts(q: Queryable, scope: ScopePolicy): Promise<DatasetStatus['counts']> {
  const params: unknown[] = [];
  const param = (v: unknown) => `$${params.push(v)}`;
  const rule = (layer: ScopedLayer) => scope.where(LAYER_SCOPE[layer], param);
  const inLayer = (table: ScopedLayer & DataTable) => `(SELECT count(*) FROM ${table} t WHERE ${rule(table)})::int AS ${table}`;
  const buildings = rule('buildings');
  const res = await q.query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM streets)::int AS streets,
            ${inLayer('communities')}, ${inLayer('grids')}, ${inLayer('buildings')}, ${inLayer('facilities')},
            ${inLayer('parking_lots')}, ${inLayer('violations')},
            (SELECT count(*) FROM walk_edges)::int AS walk_edges,
            (SELECT count(*) FROM basemap_features)::int AS basemap_features,
            (SELECT count(*) FROM incidents i WHERE ${scope.cases('i', param)})::int AS incidents,
            (SELECT count(*) FROM people p WHERE ${scope.where((g) => `p.grid_id = ${g}`, param)})::int AS people,
            (SELECT count(*) FROM building_access a JOIN buildings t ON t.id = a.building_id WHERE ${buildings})::int AS building_access,
            (SELECT count(*) FROM grids t WHERE t.worker_id IS NOT NULL AND ${rule('grids')})::int AS grid_workers,
            (SELECT coalesce(sum(t.residents), 0) FROM buildings t WHERE ${buildings})::int AS residents`,
    params,
  );
  return numbers(res.rows[0]);
}

export function capabilitiesOf(c: DatasetStatus['counts']): CapabilityStatus[] {
  const need = (capability: CapabilityStatus['capability'], ok: boolean, missing: string): CapabilityStatus =>
    (ok ? { capability, ready: true } : { capability, ready: false, missing });
  return [
    need('jurisdiction', c.streets > 0 && c.communities > 0,
      c.streets === 0
        ? 'no street: create it with `npm run import -- street --name NAME --code CODE boundary.geojson`'
        : 'no communities: every report is refused as out of jurisdiction; import them with `npm run import -- --layer communities FILE`'),
    need('routing', c.grids > 0, 'no grids: reports cannot be routed to a grid (and its worker); import them with `npm run import -- --layer grids FILE`'),
    need('dispatch', c.grid_workers > 0, 'no grid workers assigned to grids: dispatch can rank only on-duty people by walking time'),
    need('walking', c.walk_edges > 0, 'no walking network: no walking times for dispatch, no coverage; import OSM (`--source osm FILE.osm.pbf`) or `--layer walk FILE`'),
    need('coverage', c.walk_edges > 0 && c.facilities > 0 && c.buildings > 0 && c.building_access > 0,
      c.walk_edges === 0 ? 'no walking network: no 15-minute coverage'
        : c.facilities === 0 ? 'no facilities: nothing to measure coverage from; import `--layer facilities FILE` or OSM POIs'
          : c.buildings === 0 ? 'no buildings: nothing to cover; import `--layer buildings FILE` or OSM'
            : 'buildings are not snapped to the network: re-import the walk layer or the buildings'),
    need('population', c.residents > 0, 'no residents on buildings: coverage is counted per building only (give buildings a residents attribute)'),
    need('basemap', c.basemap_features > 0, 'no basemap features: the map has no roads or water under the layers (import OSM or `--layer basemap FILE`)'),
  ];
}

/**
 * What the database holds, as `scope` may read it. Street roles get the street's counts and each layer's
 * provenance with its row count. A grid worker gets the counts of their part (scopedCounts) and the
 * provenance records without row counts (`rows: null`: those are the street's); the kind (sample, real,
 * mixed), the street's name and the capabilities (booleans with a fixed hint) stay the street's, since the
 * badge must say for everyone whether the data is real.
 */
export async function datasetStatus(q: Queryable, scope: ScopePolicy): Promise<DatasetStatus> {
  const records = (await q.query<{ layer: string; origin: DatasetOrigin; source: string; rows: number; updated_at: Date | string }>(
    'SELECT layer, origin, source, rows, updated_at FROM dataset_layers ORDER BY layer, origin, source',
  )).rows;
  const c = await counts(q);
  const streets = (await q.query<{ code: string; name: string; name_en: string; is_sample: boolean }>(
    'SELECT code, name, name_en, is_sample FROM streets ORDER BY code LIMIT 20',
  )).rows.map((r) => ({ code: r.code, name: r.name, nameEn: r.name_en, isSample: Boolean(r.is_sample) }));
  const sample = records.some((l) => l.origin === 'sample');
  const real = records.some((l) => l.origin === 'import');
  const anyRows = DATA_TABLES.some((t) => c[t] > 0);
  // Rows without any record (made by hand in SQL) are treated as real: never call unknown data "sample".
  const kind: DatasetKind = sample && real ? 'mixed' : sample ? 'sample' : real || anyRows ? 'real' : 'empty';
  const layers = records.map((r) => ({
    layer: r.layer, origin: r.origin, source: r.source, rows: scope.street ? Number(r.rows) : null,
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
  return { kind, streets, layers, counts: scope.street ? c : await scopedCounts(q, scope), capabilities: capabilitiesOf(c) };
}
