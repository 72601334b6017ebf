// A synthetic walking network for tests and benchmarks at sizes the sample street does not reach: a
// square street grid with 100 m blocks, every 7th street segment one-way, one building per block and
// facilities of every type spread over the grid. Built in SQL with generate_series (no row-by-row inserts).
// Deterministic: the same size always gives the same rows.
import type { Queryable } from '../db/db';
import { FACILITY_TYPES, WALK_SPEED_MPS } from '../../common/domain';

export interface SyntheticGridOptions {
  /** Nodes per side; edges ≈ 2·side². side = 320 gives ≈ 204k edges (a city-sized graph). */
  side: number;
  blockM?: number;
  lon0?: number;
  lat0?: number;
  /** Facilities of each type: one every `facilitySpacing` blocks in both directions. */
  facilitySpacing?: number;
  /** First node / edge id (lets a grid sit beside other data). */
  idBase?: number;
}

export async function createSyntheticGrid(q: Queryable, opts: SyntheticGridOptions): Promise<{ nodes: number; edges: number; buildings: number; facilities: number }> {
  const side = opts.side;
  const block = opts.blockM ?? 100;
  const lon0 = opts.lon0 ?? 117.1;
  const lat0 = opts.lat0 ?? 39.19;
  const spacing = opts.facilitySpacing ?? 12;
  const base = opts.idBase ?? 1_000_000;
  const dLat = block / 111_320;
  const dLon = block / (111_320 * Math.cos((lat0 * Math.PI) / 180));
  const cost = block / WALK_SPEED_MPS;
  const params = [side, lon0, lat0, dLon, dLat, base];
  await q.query(
    `INSERT INTO walk_nodes (id, geom)
     SELECT $6::bigint + j * $1::int + i, ST_SetSRID(ST_MakePoint($2::float8 + i * $4::float8, $3::float8 + j * $5::float8), 4326)
       FROM generate_series(0, $1::int - 1) i, generate_series(0, $1::int - 1) j`,
    params,
  );
  // Horizontal (dir 0) and vertical (dir 1) segments; every 7th is one-way (reverse cost -1).
  const edges = await q.query(
    `INSERT INTO walk_edges (id, source, target, kind, length_m, cost_s, reverse_cost_s, source_id, geom)
     SELECT $6::bigint + 2 * (j * $1::int + i) + d,
            $6::bigint + j * $1::int + i,
            $6::bigint + (j + d) * $1::int + i + (1 - d),
            'street', $7::float8, $8::float8,
            CASE WHEN (i * 31 + j * 17 + d) % 7 = 0 THEN -1 ELSE $8::float8 END,
            'synthetic',
            ST_SetSRID(ST_MakeLine(ST_MakePoint($2::float8 + i * $4::float8, $3::float8 + j * $5::float8),
                                   ST_MakePoint($2::float8 + (i + 1 - d) * $4::float8, $3::float8 + (j + d) * $5::float8)), 4326)
       FROM generate_series(0, $1::int - 1) i, generate_series(0, $1::int - 1) j, generate_series(0, 1) d
      WHERE (d = 0 AND i < $1::int - 1) OR (d = 1 AND j < $1::int - 1)`,
    [...params, block, cost],
  );
  // One 20 m building per block, 15 m in from the south-west corner's street, residents 20..320.
  const buildings = await q.query(
    `INSERT INTO buildings (code, residents, households, source, geom)
     SELECT 'SYN-' || ($6::bigint + j * $1::int + i), 20 + ((i * 7919 + j * 104729) % 301), 10 + ((i * 7919 + j * 104729) % 150), 'synthetic',
            ST_MakeEnvelope($2::float8 + (i + 0.3) * $4::float8, $3::float8 + (j + 0.15) * $5::float8, $2::float8 + (i + 0.5) * $4::float8, $3::float8 + (j + 0.35) * $5::float8, 4326)
       FROM generate_series(0, $1::int - 2) i, generate_series(0, $1::int - 2) j`,
    params,
  );
  // Facilities: type k sits on a lattice offset by k so types do not coincide.
  const facilities = await q.query(
    `INSERT INTO facilities (code, type, name, source, geom)
     SELECT 'SYN-' || t.type || '-' || i || '-' || j, t.type, t.type || ' ' || i || ',' || j, 'synthetic',
            ST_SetSRID(ST_MakePoint($2::float8 + (i + 0.5) * $4::float8, $3::float8 + (j + (t.k % 3) * 0.1) * $5::float8), 4326)
       FROM unnest($6::text[]) WITH ORDINALITY AS t(type, k),
            generate_series(0, $1::int - 2) i, generate_series(0, $1::int - 2) j
      WHERE (i + t.k::int) % $7::int = 0 AND (j + 2 * t.k::int) % $7::int = 0`,
    [side, lon0, lat0, dLon, dLat, [...FACILITY_TYPES], spacing],
  );
  return { nodes: side * side, edges: edges.rowCount, buildings: buildings.rowCount, facilities: facilities.rowCount };
}
