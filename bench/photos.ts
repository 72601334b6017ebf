// Benchmark `photos` (issue 13 item 8, second half): photo upload throughput through the real HTTP route.
// N uploads, C at a time, of one realistic phone photo (4032×3024 JPEG, ~3.5 MB, with EXIF capture time and
// GPS, generated once with sharp) to POST /api/incidents/:id/photos?kind=report as a signed-in user: the full
// path — body read up to the limit, type sniffed from the bytes, structure checked, decoded and re-encoded
// (EXIF stripped, orientation applied, long edge 2048), a 320 px thumbnail, then the photo row (bytea), its
// event and its audit row committed in one transaction. Baseline in the same run: writing the same bytes, N
// times, C at a time, to a file on this machine's disk (fs.writeFile + fsync) — what "storing an upload" costs
// with no checking at all. A third row times the re-encode alone (processPhoto, in this process, one at a time),
// which is where the time goes. Both backends: PGlite (in-process) and PostgreSQL when DATABASE_URL is set.
//
// Run alone: npx tsx bench/photos.ts [--quick]   (writes bench/results/photos.json)
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { processPhoto } from '../server/photos/photo-image';
import { benchDb, startBenchApp } from './bench-app';
import { percentile, row, runStandalone, type BenchContext, type BenchRow } from './bench-kit';

const W = 4032;
const H = 3024;
const MAX_BYTES = 12 * 2 ** 20; // PHOTO_MAX_MB's default

/** A phone-like photo: smooth gradients and waves with sensor-like noise (so it compresses like a real one), EXIF time and GPS. */
export async function phoneJpeg(): Promise<Buffer> {
  const raw = Buffer.alloc(W * H * 3);
  let s = 20161231;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 16) / 65536;
  };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      const n = (rnd() - 0.5) * 22;
      raw[i] = Math.max(0, Math.min(255, 90 + (100 * x) / W + 30 * Math.sin(y / 37) + n));
      raw[i + 1] = Math.max(0, Math.min(255, 120 + (60 * y) / H + 25 * Math.cos(x / 53) + n));
      raw[i + 2] = Math.max(0, Math.min(255, 70 + 40 * Math.sin((x + y) / 90) + n));
    }
  }
  return sharp(raw, { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 92 })
    .withExif({
      IFD0: { Make: 'BenchPhone', Model: 'photos bench', Orientation: '1' },
      IFD2: { DateTimeOriginal: '2026:11:26 09:30:00', OffsetTimeOriginal: '+08:00' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 13/1 1200/100', GPSLongitudeRef: 'E', GPSLongitude: '117/1 8/1 2400/100' },
    })
    .toBuffer();
}

/** Runs `jobs` C at a time; returns each job's milliseconds and the whole span's. */
async function pool(n: number, c: number, job: (k: number) => Promise<void>): Promise<{ each: number[]; totalMs: number }> {
  const each: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(c, n) }, async () => {
    while (next < n) {
      const k = next++;
      const t = performance.now();
      await job(k);
      each.push(performance.now() - t);
    }
  }));
  return { each, totalMs: performance.now() - t0 };
}

async function uploads(ctx: BenchContext, databaseUrl: string | undefined, photo: Buffer, n: number, c: number): Promise<{ each: number[]; totalMs: number }> {
  const bdb = await benchDb(databaseUrl, 'photos');
  const db = bdb.db;
  try {
    await db.query(
      `INSERT INTO streets (code, name, name_en, district, city, geom) VALUES ('120113001', '果园新村街道', 'bench', '北辰区', '天津市',
         ST_Multi(ST_MakeEnvelope(117.1, 39.19, 117.18, 39.245, 4326))) ON CONFLICT DO NOTHING`,
    );
    const cm = await db.query<{ id: number }>(
      `INSERT INTO communities (street_code, code, name, name_en, geom) VALUES ('120113001', '120113001001', '基准社区', 'bench',
         ST_Multi(ST_MakeEnvelope(117.1, 39.19, 117.18, 39.245, 4326))) RETURNING id`,
    );
    await db.query(
      `INSERT INTO grids (community_id, code, name, geom) VALUES ($1, '120113001001001', '网格1', ST_Multi(ST_MakeEnvelope(117.1, 39.19, 117.18, 39.245, 4326)))`,
      [cm.rows[0].id],
    );
    const app = await startBenchApp(db, 'dispatcher');
    try {
      // one case per upload (a case keeps at most 3 report photos), made through the real batch route
      const ids: number[] = [];
      for (let k = 0; k < n; k += 100) {
        const res = await fetch(`${app.baseUrl}/api/incidents/batch`, {
          method: 'POST', headers: app.headers,
          body: JSON.stringify({ reports: Array.from({ length: Math.min(100, n - k) }, (_, j) => ({ category: 'environment', title: `photos bench ${k + j}`, location: { lon: 117.14, lat: 39.22 } })) }),
        });
        if (res.status !== 201 && res.status !== 200) throw new Error(`batch report failed: ${res.status} ${await res.text()}`);
        ids.push(...((await res.json()) as { items: Array<{ id: number }> }).items.map((i) => i.id));
      }
      const send = (id: number) => fetch(`${app.baseUrl}/api/incidents/${id}/photos?kind=report`, {
        method: 'POST', headers: { cookie: app.headers.cookie, 'x-csrf-token': app.headers['x-csrf-token'], 'content-type': 'image/jpeg' }, body: new Uint8Array(photo),
      });
      // warm-up (sharp's first call loads libvips' codecs), not counted
      const warm = await send(ids[0]);
      if (warm.status !== 201) throw new Error(`warm-up upload failed: ${warm.status} ${await warm.text()}`);
      ctx.log(`${databaseUrl ? 'pg' : 'pglite'}: ${n} uploads, ${c} at a time …`);
      const r = await pool(n - 1, c, async (k) => {
        const res = await send(ids[k + 1]);
        if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      });
      const stored = await db.query<{ n: number; exif: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE position('\\x457869660000'::bytea in image) > 0)::int AS exif FROM incident_photos`);
      if (stored.rows[0].n !== n || stored.rows[0].exif !== 0) throw new Error(`expected ${n} stored photos without EXIF, found ${JSON.stringify(stored.rows[0])}`);
      return r;
    } finally {
      await app.close();
    }
  } finally {
    await bdb.drop();
  }
}

async function diskWrites(photo: Buffer, n: number, c: number): Promise<{ each: number[]; totalMs: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcc-photos-bench-'));
  try {
    return await pool(n - 1, c, async (k) => {
      const fh = await open(path.join(dir, `${k}.jpg`), 'w');
      try {
        await fh.writeFile(photo);
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const n = ctx.quick ? 24 : 96;
  const c = ctx.quick ? 4 : 8;
  ctx.log('generating one 4032×3024 phone photo …');
  const photo = await phoneJpeg();
  const mb = photo.length / 2 ** 20;
  ctx.log(`photo: ${mb.toFixed(2)} MB`);
  const disk = await diskWrites(photo, n, c);
  const diskRate = ((n - 1) / disk.totalMs) * 1000;

  // the re-encode alone, one at a time in this process (libvips still uses its own threads)
  const reencode: number[] = [];
  for (let k = 0; k < (ctx.quick ? 4 : 8); k++) {
    const t = performance.now();
    await processPhoto(photo, 'image/jpeg', MAX_BYTES);
    reencode.push(performance.now() - t);
  }
  const rows: BenchRow[] = [];
  rows.push(row({
    scale: `one ${mb.toFixed(1)} MB 4032×3024 JPEG`, metric: 'reencode_p50_ms', value: percentile(reencode, 50),
    baseline: 'fs.writeFile + fsync of the same bytes, p50', baselineValue: percentile(disk.each, 50), target: 'report only (where the time goes)',
  }));

  const backends: Array<[string, string | undefined]> = [['pglite', undefined]];
  if (ctx.databaseUrl) backends.push(['pg', ctx.databaseUrl]);
  else ctx.log('DATABASE_URL is not set: PostgreSQL rows skipped');
  for (const [name, url] of backends) {
    const ours = await uploads(ctx, url, photo, n, c);
    const rate = ((n - 1) / ours.totalMs) * 1000;
    const scale = `${name}: ${n - 1} uploads × ${mb.toFixed(1)} MB, ${c} concurrent`;
    const base = `fs.writeFile + fsync, ${c} concurrent`;
    rows.push(row({ scale, metric: 'photos_per_s', value: rate, baseline: base, baselineValue: diskRate, target: 'report only (ratio: share of raw disk speed)' }));
    rows.push(row({ scale, metric: 'MB_per_s', value: rate * mb, baseline: base, baselineValue: diskRate * mb, target: 'report only' }));
    rows.push(row({ scale, metric: 'p50_ms', value: percentile(ours.each, 50), baseline: base, baselineValue: percentile(disk.each, 50), target: 'report only' }));
    rows.push(row({
      scale, metric: 'p99_ms', value: percentile(ours.each, 99), baseline: base, baselineValue: percentile(disk.each, 99),
      target: 'p99 < 10000 ms (a phone upload on a shared 2-core box)', met: (v) => v < 10_000,
    }));
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runStandalone('photos', run);
}
