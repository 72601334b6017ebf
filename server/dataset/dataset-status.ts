// What the database holds and where it came from: the server-side fact behind the "sample data" badge, the
// guard that keeps the sample out of a database with real data, and the per-capability report of what is
// still missing after an import (no grids → reports are not routed, no network → no coverage, …).
import type { Queryable } from '../db/db';

import type { CapabilityStatus, DatasetKind, DatasetOrigin, DatasetStatus } from '../../common/dataset';
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
  const row = res.rows[0];
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as DatasetStatus['counts'];
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

export async function datasetStatus(q: Queryable): Promise<DatasetStatus> {
  const layers = (await q.query<{ layer: string; origin: DatasetOrigin; source: string; rows: number; updated_at: Date | string }>(
    'SELECT layer, origin, source, rows, updated_at FROM dataset_layers ORDER BY layer, origin, source',
  )).rows.map((r) => ({
    layer: r.layer, origin: r.origin, source: r.source, rows: Number(r.rows),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
  const c = await counts(q);
  const streets = (await q.query<{ code: string; name: string; name_en: string; is_sample: boolean }>(
    'SELECT code, name, name_en, is_sample FROM streets ORDER BY code LIMIT 20',
  )).rows.map((r) => ({ code: r.code, name: r.name, nameEn: r.name_en, isSample: Boolean(r.is_sample) }));
  const sample = layers.some((l) => l.origin === 'sample');
  const real = layers.some((l) => l.origin === 'import');
  const anyRows = DATA_TABLES.some((t) => c[t] > 0);
  // Rows without any record (made by hand in SQL) are treated as real: never call unknown data "sample".
  const kind: DatasetKind = sample && real ? 'mixed' : sample ? 'sample' : real || anyRows ? 'real' : 'empty';
  return { kind, streets, layers, counts: c, capabilities: capabilitiesOf(c) };
}
