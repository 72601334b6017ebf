// The on-disk node and way stores behind the PBF reader (server/import/osm/node-store.ts, way-store.ts):
// what goes in comes back exactly, including the cases a sorted Monaco never shows (nodes out of id order,
// repeated ids, coordinates that are not whole 1e-7 degrees, id gaps past 2^32, ids past 2^31, negative
// ids), and the temporary files are gone after close, after a failed read, and after an import either way.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NodeStore } from '../../server/import/osm/node-store';
import { WayStore } from '../../server/import/osm/way-store';
import { readPbf } from '../../server/import/osm/read-pbf';
import { importOsmPbf, OSM_IMPORT_SELECTION } from '../../server/import/osm/import-osm';
import { freshDb } from '../helpers/test-db';
import { MONACO_PBF } from '../helpers/osm-cut';
import { fixture } from './helpers';

let parent: string;
beforeEach(async () => { parent = await mkdtemp(path.join(tmpdir(), 'gcc-storetest-')); });
afterEach(async () => { await rm(parent, { recursive: true, force: true }); });

/** A deterministic pseudo-random sequence (tests must not depend on Math.random's luck). */
function lcg(seed: number): () => number {
  let x = seed;
  return () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
}

describe('NodeStore', () => {
  it('returns every node of many blocks exactly, with gaps, far ids and coordinates in and out of the 1e-7 grid', async () => {
    const store = await NodeStore.create(parent);
    const rand = lcg(7);
    const expected = new Map<number, [number, number]>();
    let id = 1;
    for (let i = 0; i < 50_000; i++) {
      // Mostly small steps, some large, a few past 2^32 (a new block must start there).
      const r = rand();
      id += r < 0.9 ? 1 + Math.floor(rand() * 5) : r < 0.999 ? Math.floor(rand() * 1e6) : 2 ** 33;
      // Blocks 20..21 get coordinates that are not whole multiples of 1e-7 (another granularity).
      const onGrid = i < 20 * 1024 || i >= 22 * 1024;
      const lon = onGrid ? Math.round((rand() * 360 - 180) * 1e7) / 1e7 : rand() * 360 - 180;
      const lat = onGrid ? Math.round((rand() * 180 - 90) * 1e7) / 1e7 : rand() * 180 - 90;
      store.add(id, lon, lat);
      expected.set(id, [lon, lat]);
    }
    store.finish();
    expect(id).toBeGreaterThan(2 ** 33);
    expect(store.size).toBe(expected.size);
    expect(store.bytesOnDisk).toBeLessThan(expected.size * 13 + 2 * 1024 * 8); // 12 a node, 20 in the Float64 blocks
    for (const [k, c] of expected) expect(store.get(k)).toEqual(c);
    // Ids that are not there: below, between and above the stored ones.
    for (const k of [0, 2 ** 33 - 1, id + 1, -5]) if (!expected.has(k)) expect(store.get(k)).toBeUndefined();
    // Random look-ups after a sequential pass: the block cache evicts and re-reads blocks correctly.
    const keys = [...expected.keys()];
    for (let i = 0; i < 5_000; i++) {
      const k = keys[Math.floor(rand() * keys.length)];
      expect(store.get(k)).toEqual(expected.get(k));
    }
    expect(store.blockReads).toBeGreaterThan(49); // more blocks than the cache holds were read
    await store.close();
    expect(await readdir(parent)).toEqual([]);
  });

  it('keeps nodes out of id order and repeated ids, the later one winning (an unsorted file)', async () => {
    const store = await NodeStore.create(parent);
    store.add(10, 1, 1);
    store.add(20, 2, 2);
    store.add(5, 0.5, 0.5); // out of order
    store.add(20, 2.5, 2.5); // repeated
    store.add(30, 3, 3);
    store.finish();
    expect([5, 10, 20, 30].map((k) => store.get(k))).toEqual([[0.5, 0.5], [1, 1], [2.5, 2.5], [3, 3]]);
    expect(store.get(15)).toBeUndefined();
    await store.close();
    await store.close(); // twice is harmless
    expect(await readdir(parent)).toEqual([]);
  });
});

describe('WayStore', () => {
  it('gives back every way in order, across read chunks, with negative deltas, large ids and member look-ups', async () => {
    const rand = lcg(11);
    const tagSets = [Object.freeze({ building: 'yes' }), Object.freeze({ highway: 'footway', name: '小路' })];
    const ways: { id: number; refs: number[]; tags: (typeof tagSets)[number] }[] = [];
    let id = 2 ** 31 - 100;
    for (let i = 0; i < 60_000; i++) {
      id += 1 + Math.floor(rand() * 1000);
      const base = 2 ** 40 * rand();
      const refs = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(base + rand() * 5000 - 2500));
      ways.push({ id, refs, tags: tagSets[i % 2] });
    }
    ways.push({ id: id + 1, refs: [], tags: tagSets[0] }); // a way with no refs
    const members = new Set([ways[3].id, ways[40_000].id, ways[ways.length - 1].id, 999]);
    const store = await WayStore.create(members, parent);
    for (const w of ways) store.push(w.id, w.refs, w.tags);
    store.finish();
    expect(store.bytesOnDisk).toBeGreaterThan(1 << 20); // more than one read chunk
    expect(store.length).toBe(ways.length);
    expect(store.tagSetCount).toBe(2);
    expect([...store]).toEqual(ways);
    expect([...store]).toEqual(ways); // a second pass reads the file again
    for (const m of [3, 40_000, ways.length - 1]) expect(store.member(ways[m].id)).toEqual(ways[m]);
    expect(store.member(999)).toBeUndefined(); // a member the file does not have
    expect(store.member(ways[5].id)).toBeUndefined(); // not a member: not looked up by id
    await store.close();
    expect(await readdir(parent)).toEqual([]);
    expect(() => [...store]).toThrow(/after close/);
  });
});

describe('readPbf temporary files', () => {
  it('are removed by close, and by readPbf itself when the file turns out truncated', async () => {
    const data = await readPbf(fixture('tiny.osm.pbf'), OSM_IMPORT_SELECTION, { tempDir: parent });
    expect((await readdir(parent)).sort().map((d) => d.replace(/-.*/, ''))).toEqual(['gcc', 'gcc']);
    expect(data.stats.tempBytes).toBeGreaterThan(0);
    await data.close();
    expect(await readdir(parent)).toEqual([]);
  });

  it('are removed when reading fails after they were made (a failure in the way pass)', async () => {
    const failing = { ...OSM_IMPORT_SELECTION, way: () => { throw new Error('selection failed'); } };
    await expect(readPbf(fixture('tiny.osm.pbf'), failing, { tempDir: parent })).rejects.toMatchObject({ code: 'IMPORT_FAILED' });
    expect(await readdir(parent)).toEqual([]);
  });

  it.skipIf(!existsSync(MONACO_PBF))('a truncated Monaco fails with IMPORT_FAILED and leaves no file behind', async () => {
    const bytes = await readFile(MONACO_PBF);
    const cut = path.join(parent, 'cut.osm.pbf');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const temp = path.join(parent, 'temp');
    await mkdir(temp);
    await expect(readPbf(cut, OSM_IMPORT_SELECTION, { tempDir: temp })).rejects.toMatchObject({ code: 'IMPORT_FAILED' });
    expect(await readdir(temp)).toEqual([]);
  });
});

describe('importOsmPbf temporary files', () => {
  // os.tmpdir() reads TMPDIR on every call, and vitest runs each test file in its own process (pool: forks),
  // so pointing TMPDIR at this test's folder shows exactly what the import left behind.
  let savedTmp: string | undefined;
  beforeEach(() => { savedTmp = process.env.TMPDIR; process.env.TMPDIR = parent; });
  afterEach(() => { if (savedTmp === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = savedTmp; });

  it('are gone after an import that succeeds and after one that fails once the file was read', async () => {
    const t = await freshDb('pglite', 'empty');
    try {
      // Once read (phase 'check'), the node and way files are there: the test is not passing for want of them.
      let whileRunning: string[] = [];
      const report = await importOsmPbf(t.db, fixture('tiny.osm.pbf'), {}, {
        onProgress: (p) => { if (p.phase === 'check') whileRunning = readdirSync(parent); },
      });
      expect(whileRunning).toHaveLength(2);
      expect(report.imported.buildings).toBeGreaterThan(0);
      expect(await readdir(parent)).toEqual([]);
    } finally {
      await t.drop();
    }
    // The database is closed now: reading the PBF works, the first query fails, and the files must still go.
    await expect(importOsmPbf(t.db, fixture('tiny.osm.pbf'))).rejects.toThrow();
    expect(await readdir(parent)).toEqual([]);
  }, 120_000);
});
