// The streaming parts of the OSM import (issue 14 item 3): the walk graph cut one way at a time against the
// compact shared-node set gives exactly splitWays' vertices and edges, in the same order; a savepoint keeps
// the import's transaction usable after a failing statement, on both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Position } from 'geojson';
import { splitWays, type WalkEdgeDraft, type WalkWay } from '../../server/import/walk-graph';
import { NodeIdCollector, WalkGraphWriter } from '../../server/import/walk-graph-stream';
import { trySavepoint } from '../../server/db/savepoint';
import type { Queryable } from '../../server/db/db';
import { backends, freshDb, type TestDb } from '../helpers/test-db';

/** Deterministic pseudo-random ways over a small id space, so nodes are shared, repeated and looped. */
function randomWays(seed: number, count: number): WalkWay[] {
  let x = seed;
  const rnd = (n: number) => { x = (x * 1103515245 + 12345) % 2 ** 31; return x % n; };
  const ways: WalkWay[] = [];
  for (let w = 0; w < count; w++) {
    const len = 2 + rnd(8);
    const nodes: number[] = [];
    for (let i = 0; i < len; i++) {
      const id = 10_000_000_000 + rnd(60); // beyond 2^31, as real OSM ids
      if (nodes[nodes.length - 1] !== id) nodes.push(id);
    }
    if (rnd(5) === 0 && nodes.length >= 3) nodes.push(nodes[0]); // a closed way
    if (nodes.length < 2) continue;
    const coords: Position[] = nodes.map((n) => [n % 1000, Math.floor(n / 1000) % 1000]);
    ways.push({ nodes, coords, kind: rnd(4) === 0 ? 'steps' : 'footway', name: null, sourceId: `w${w}`, oneway: ([0, 0, 1, -1] as const)[rnd(4)] });
  }
  return ways;
}

/** A Queryable that records the rows the writer inserts instead of running SQL. */
function recorder(): Queryable & { nodes: number[]; edges: WalkEdgeDraft[] } {
  const nodes: number[] = [];
  const edges: WalkEdgeDraft[] = [];
  return {
    nodes,
    edges,
    async query<R>(sql: string, params?: readonly unknown[]) {
      const rows = JSON.parse(String(params?.[0])) as Record<string, unknown>[];
      if (sql.includes('INSERT INTO walk_nodes')) for (const r of rows) nodes.push(Number(r.id));
      else for (const r of rows) edges.push({ source: Number(r.s), target: Number(r.t), kind: String(r.k), name: r.n as string | null, sourceId: r.sid as string | null, forwardOnly: Boolean(r.f), coords: (JSON.parse(String(r.g)) as { coordinates: Position[] }).coordinates });
      return { rows: [] as R[], rowCount: rows.length };
    },
  };
}

describe('the streamed walk graph', () => {
  it('writes the vertices and edges of splitWays, in its order, each vertex once, across batches', async () => {
    for (const seed of [1, 7, 42]) {
      const ways = randomWays(seed, 300);
      const whole = splitWays(ways);
      const collector = new NodeIdCollector();
      for (const w of ways) collector.add(w.nodes);
      const shared = collector.shared();
      const q = recorder();
      const writer = new WalkGraphWriter(q, shared, 7); // a small batch: many flushes
      for (const w of ways) await writer.add(w);
      await writer.flush();
      expect(q.edges).toEqual(whole.edges);
      expect(q.nodes).toEqual([...whole.vertices.keys()]);
      expect(writer.nodes).toBe(whole.vertices.size);
      expect(writer.edges).toBe(whole.edges.length);
      expect(shared.size).toBeGreaterThan(0);
      expect(shared.bytes).toBe(shared.size * 9);
    }
  });
});

describe.each(backends())('trySavepoint on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => { t = await freshDb(backend, 'empty'); });
  afterAll(async () => { await t?.drop(); });

  it('a failing statement is rolled back alone; the transaction goes on and commits what came before and after', async () => {
    await t.db.query('CREATE TABLE sp_probe (n int)');
    const outcome = await t.db.transaction(async (tx) => {
      await tx.query('INSERT INTO sp_probe VALUES (1)');
      const failed = await trySavepoint(tx, 'probe', async () => {
        await tx.query('INSERT INTO sp_probe VALUES (2)');
        // A statement PostGIS refuses (malformed GeoJSON), standing for an ST_BuildArea that raises.
        return tx.query(`SELECT ST_BuildArea(ST_GeomFromGeoJSON($1))`, ['{"type":"LineString","coordinates":']);
      });
      const ok = await trySavepoint(tx, 'probe', () => tx.query<{ n: number }>('SELECT 3 AS n'));
      await tx.query('INSERT INTO sp_probe VALUES (4)');
      return { failed, ok };
    });
    expect('error' in outcome.failed && outcome.failed.error.message).toBeTruthy();
    expect('value' in outcome.ok && outcome.ok.value.rows[0].n).toBe(3);
    const rows = (await t.db.query<{ n: number }>('SELECT n FROM sp_probe ORDER BY n')).rows.map((r) => r.n);
    expect(rows).toEqual([1, 4]);
  });
});
