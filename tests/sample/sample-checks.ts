// Shared checks for the sample tests: graph connectivity over walk_edges and a hash of generated rows.
import type { Queryable } from '../../server/db/db';

export async function one<R>(q: Queryable, sql: string, params: unknown[] = []): Promise<R> {
  return (await q.query<R>(sql, params)).rows[0];
}

/** BFS over walk_edges (both directions when reverse_cost_s ≥ 0): how many nodes the first node reaches. */
export async function reachableNodes(q: Queryable): Promise<{ reached: number; nodes: number }> {
  const edges = (await q.query<{ source: number; target: number; reverse_cost_s: number }>('SELECT source, target, reverse_cost_s FROM walk_edges')).rows;
  const nodes = (await q.query<{ id: number }>('SELECT id FROM walk_nodes ORDER BY id')).rows.map((r) => Number(r.id));
  const adj = new Map<number, number[]>();
  const link = (a: number, b: number): void => {
    const list = adj.get(a);
    if (list) list.push(b);
    else adj.set(a, [b]);
  };
  for (const e of edges) {
    link(Number(e.source), Number(e.target));
    if (e.reverse_cost_s >= 0) link(Number(e.target), Number(e.source));
  }
  const seen = new Set<number>([nodes[0]]);
  const queue = [nodes[0]];
  while (queue.length) {
    const n = queue.pop() as number;
    for (const m of adj.get(n) ?? []) {
      if (!seen.has(m)) {
        seen.add(m);
        queue.push(m);
      }
    }
  }
  return { reached: seen.size, nodes: nodes.length };
}

/** md5 over every row of the tables the generator writes, in id order. */
export async function rowsHash(q: Queryable): Promise<Record<string, string>> {
  const tables: [string, string][] = [
    ['streets', 'code'], ['communities', 'id'], ['grids', 'id'], ['compounds', 'id'], ['buildings', 'id'], ['people', 'id'],
    ['party_branches', 'id'], ['care_subjects', 'id'], ['facilities', 'id'], ['parking_lots', 'id'], ['violations', 'id'],
    ['walk_nodes', 'id'], ['walk_edges', 'id'], ['building_access', 'building_id'], ['basemap_features', 'id'], ['incidents', 'id'],
  ];
  const out: Record<string, string> = {};
  for (const [table, key] of tables) {
    out[table] = (await one<{ h: string }>(q, `SELECT md5(string_agg(t::text, '|' ORDER BY t.${key})) AS h FROM ${table} t`)).h;
  }
  return out;
}


/**
 * Rows whose single-column foreign key points at nothing, for every FK in the schema (read from the catalog,
 * identifiers quoted by the server). Used where the loader skips per-row FK triggers (tiled copies).
 */
export async function orphanReferences(q: Queryable): Promise<Record<string, number>> {
  const fks = (
    await q.query<{ t: string; c: string; rt: string; rc: string; name: string }>(
      `SELECT quote_ident(cl.relname) AS t, quote_ident(a.attname) AS c, quote_ident(rcl.relname) AS rt,
              quote_ident(ra.attname) AS rc, con.conname AS name
         FROM pg_constraint con
         JOIN pg_class cl ON cl.oid = con.conrelid
         JOIN pg_class rcl ON rcl.oid = con.confrelid
         JOIN pg_namespace ns ON ns.oid = cl.relnamespace AND ns.nspname = 'public'
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
         JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
        WHERE con.contype = 'f' AND array_length(con.conkey, 1) = 1`,
    )
  ).rows;
  const out: Record<string, number> = {};
  for (const fk of fks) {
    const r = await one<{ n: number }>(
      q,
      `SELECT count(*)::int AS n FROM ${fk.t} x WHERE x.${fk.c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${fk.rt} y WHERE y.${fk.rc} = x.${fk.c})`,
    );
    out[fk.name] = r.n;
  }
  return out;
}
