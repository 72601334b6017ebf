// The admin import page's API (admin only), over the same import functions as `npm run import`:
//   POST   /api/import/uploads?name=FILE        the file itself as the body, streamed to the stage root
//   POST   /api/import/uploads/:id/preview      {target, crs, makeValid, codeField, codeMap, replace, street}
//                                               → 202; the dry run (real import, rolled back) runs in the background
//   GET    /api/import/uploads/:id              state, parse progress, the preview (summary, features, refusals)
//   POST   /api/import/uploads/:id/apply        the import in one transaction; the staged file is then deleted
//   DELETE /api/import/uploads/:id              cancel: the staged file is deleted
// The body never sits in memory: it is piped to disk with a byte counter, and only its first bytes are kept
// to tell the format by content as well as by name. Stages are rows of import_stages with their files under
// IMPORT_STAGE_DIR (import-stages.ts): any process on the same database and folder serves them.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError, isAppError } from '../../common/errors';
import { PreviewRequestSchema, UploadQuerySchema, type PreviewRequest, type StageFormat } from '../../common/import-stage';
import { actorOf, getIdentity, requireRole } from '../auth/identity';
import { scopeOf } from '../auth/scope';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { parseOrThrow } from '../http/validate';
import type { Logger } from '../logger';
import { datasetStatus } from '../dataset/dataset-status';
import { importFile } from './import-file';
import { importStreet } from './import-street';
import { importOsmPbf } from './osm/import-osm';
import { ImportStages, stateError, statusOf, type Stage, type StageRun } from './import-stages';
import type { ImportReport, ImportRunHooks } from './types';
import { unzipShapefile } from './zip-shapefile';

export interface UploadRoutesDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  maxBytes: number;
  ttlMs: number;
  /** The stage root: staged files live here until applied, cancelled or expired (IMPORT_STAGE_DIR). */
  stageDir: string;
  /** Wakes the event publisher after an applied import committed its `layer.imported` event. */
  onCommitted?: () => void;
}

/** Accepted uploads by name; the content must agree (sniffFormat). A lone .shp cannot carry its .dbf/.prj. */
export function formatByName(name: string): StageFormat {
  const n = name.toLowerCase();
  if (n.endsWith('.geojson') || n.endsWith('.json')) return 'geojson';
  if (n.endsWith('.csv')) return 'csv';
  if (n.endsWith('.zip')) return 'shapefile-zip';
  if (n.endsWith('.pbf')) return 'osm-pbf';
  if (n.endsWith('.shp')) throw new AppError('IMPORT_TYPE_UNSUPPORTED', 'a shapefile is uploaded as one .zip holding its .shp, .dbf and .prj (and .cpg if it has one)', 'name');
  throw new AppError('IMPORT_TYPE_UNSUPPORTED', `${name}: accepted files are GeoJSON (.geojson, .json), CSV with coordinates (.csv), a zipped shapefile (.zip) and OpenStreetMap PBF (.osm.pbf)`, 'name');
}

/** What the first bytes say the file is (null: none of the accepted formats). */
export function sniffFormat(head: Buffer): StageFormat | null {
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'shapefile-zip';
  // An OSM PBF starts with a 4-byte length, then a BlobHeader whose first field is the string "OSMHeader".
  if (head.length >= 16 && head.readUInt32BE(0) < 64 * 1024 && head.subarray(4, 32).includes('OSMHeader')) return 'osm-pbf';
  if (head.includes(0)) return null;
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') return 'geojson';
  const line = text.split(/\r?\n/)[0];
  if (/[,;\t]/.test(line)) return 'csv';
  return null;
}

const LABEL: Record<StageFormat, string> = { geojson: 'GeoJSON', csv: 'CSV', 'shapefile-zip': 'a zip archive', 'osm-pbf': 'an OpenStreetMap PBF' };

/** Counts bytes on their way to disk, keeps the first 4 KiB, and stops writing past the limit. */
class Meter extends Transform {
  bytes = 0;
  head = Buffer.alloc(0);
  tooLarge = false;
  constructor(private readonly limit: number) { super(); }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.head.length < 4096) this.head = Buffer.concat([this.head, chunk.subarray(0, 4096 - this.head.length)]);
    if (this.bytes > this.limit) { this.tooLarge = true; cb(); return; }
    cb(null, chunk);
  }
}

const IdParams = z.object({ id: z.string().regex(/^[0-9a-f]{32}$/, 'a stage id is 32 hexadecimal characters') }).strict();
const NoBody = z.union([z.undefined(), z.object({}).strict()]);

/** The file name as saved: no directories, only ordinary characters (it names codes like imp:FILE:3). */
function safeName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/'));
  return base.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 120) || 'upload';
}

export interface UploadRoutes {
  readonly router: Router;
  readonly stages: ImportStages;
  /** Fails the runs of dead processes, removes leftovers, starts the sweep and the heartbeat. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function uploadRoutes(deps: UploadRoutesDeps): UploadRoutes {
  const { db, logger, maxBytes } = deps;
  const stages = new ImportStages(db, deps.clock, { root: deps.stageDir, ttlMs: deps.ttlMs, logger });
  const r = Router();
  const mb = Math.round(maxBytes / 2 ** 20);

  r.post('/api/import/uploads', requireRole('admin'), async (req, res) => {
    const owner = actorOf(getIdentity(req));
    const { name } = parseOrThrow(UploadQuerySchema, req.query, 'query');
    const byName = formatByName(name);
    const declared = Number(req.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await drain(req, maxBytes);
      throw tooLarge(mb, maxBytes);
    }
    const { id, dir } = await stages.newUpload();
    const file = path.join(dir, safeName(name));
    const meter = new Meter(maxBytes);
    try {
      await pipeline(req, meter, createWriteStream(file));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new AppError('IMPORT_FAILED', `the upload was interrupted (${(err as Error).message}): send the file again`, 'body');
    }
    if (meter.tooLarge) { await rm(dir, { recursive: true, force: true }); throw tooLarge(mb, maxBytes); }
    if (meter.bytes === 0) { await rm(dir, { recursive: true, force: true }); throw new AppError('VALIDATION_ERROR', 'no file was sent: the request body is empty (choose a file and upload it)', 'body'); }
    const byContent = sniffFormat(meter.head);
    if (byContent !== byName) {
      await rm(dir, { recursive: true, force: true });
      throw new AppError('IMPORT_TYPE_UNSUPPORTED', `${name} is named as ${LABEL[byName]} but its content is ${byContent ? LABEL[byContent] : 'none of the accepted formats'}: check that this is the right file`, 'body', { byName, byContent });
    }
    let stage: Stage;
    try {
      stage = await stages.add({ id, owner, file, name: safeName(name), format: byName, bytes: meter.bytes });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    res.status(201).json(statusOf(stage));
  });

  r.get('/api/import/uploads/:id', requireRole('admin'), async (req, res) => {
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    res.set('Cache-Control', 'no-store').json(statusOf(await stages.get(id, actorOf(getIdentity(req)))));
  });

  r.post('/api/import/uploads/:id/preview', requireRole('admin'), async (req, res) => {
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    const current = await stages.get(id, actorOf(getIdentity(req)));
    const request = parseOrThrow(PreviewRequestSchema, req.body, 'body');
    checkTarget(current, request);
    if (current.state === 'previewing' || current.state === 'applying' || current.state === 'applied') throw stateError(current.state);
    // Written before the answer: any process polling the stage sees it previewing.
    const job = await stages.begin(current, 'preview', request);
    void stages.track((async () => {
      try {
        const preview = await run(job, request, { dryRun: true, collectRefused: true, featureLimit: 5000, onProgress: job.progress }, 'preview');
        await stages.finish(job, 'previewed', { preview });
      } catch (err) {
        await stages.finish(job, 'failed', { error: errorBody(err) });
      }
    })().catch((err: unknown) => logger.error({ err, stage: id }, 'import preview state not written')));
    res.status(202).json(statusOf(job.stage));
  });

  r.post('/api/import/uploads/:id/apply', requireRole('admin'), async (req, res) => {
    const identity = getIdentity(req);
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    parseOrThrow(NoBody, req.body && Object.keys(req.body as object).length === 0 ? undefined : req.body, 'body');
    const current = await stages.get(id, actorOf(identity));
    if (current.state !== 'previewed' || !current.request) throw stateError(current.state);
    const request = current.request;
    const job = await stages.begin(current, 'apply');
    let report: ImportReport;
    try {
      // A street is one boundary: never applied with a part left out, so refusals fail it (collect off).
      // The stage is marked applied inside the import's transaction (applyingDb).
      report = await stages.track(run(job, request, { collectRefused: request.target !== 'street', onProgress: job.progress }, actorOf(identity), stages.applyingDb(job)));
    } catch (err) {
      await stages.release(job);
      throw err;
    }
    const done = await stages.finish(job, 'applied', { applied: report });
    await stages.discard(done, 'applied');
    deps.onCommitted?.();
    res.json({ status: statusOf(done), dataset: await datasetStatus(db, scopeOf(req)) });
  });

  r.delete('/api/import/uploads/:id', requireRole('admin'), async (req, res) => {
    const { id } = parseOrThrow(IdParams, req.params, 'params');
    const stage = await stages.get(id, actorOf(getIdentity(req)));
    const cancellable = ['uploaded', 'previewing', 'previewed', 'failed'] as const;
    if (!(cancellable as readonly string[]).includes(stage.state) || !(await stages.discard(stage, 'cancelled', cancellable))) {
      const now = await stages.get(id, actorOf(getIdentity(req)));
      throw new AppError('IMPORT_STAGE_STATE', `this upload is ${now.state}: it can no longer be cancelled`, 'state', { state: now.state });
    }
    res.status(204).end();
  });

  /** One import through the same functions as the CLI: street, OSM, or one layer. */
  async function run(job: StageRun, q: PreviewRequest, hooks: ImportRunHooks, actor: string, target: Db = db): Promise<ImportReport> {
    const who = actor === 'preview' ? undefined : actor;
    const stage = job.stage;
    const staged = stages.pathOf(stage.file);
    if (q.target === 'street') {
      const s = q.street as NonNullable<PreviewRequest['street']>;
      return importStreet(target, { file: staged, name: s.name, code: s.code, ...(s.nameEn ? { nameEn: s.nameEn } : {}), crs: q.crs, makeValid: q.makeValid, ...(who ? { actor: who } : {}) }, hooks);
    }
    if (q.target === 'osm') return importOsmPbf(target, staged, { crs: q.crs, replace: !(q.replace === false), ...(who ? { actor: who } : {}) }, hooks);
    let file = staged;
    if (stage.format === 'shapefile-zip') {
      // Unpacked once, next to the zip (any process that previews it later finds it there).
      if (!stage.unpacked) await stages.setUnpacked(stage, await unzipShapefile(staged, stages.dirOf(stage.id), maxBytes * 4));
      file = stages.pathOf(stage.unpacked as string);
    }
    return importFile(target, {
      file, layer: q.target, crs: q.crs, replace: q.replace ?? false, makeValid: q.makeValid,
      ...(q.codeField ? { codeField: q.codeField } : {}), ...(q.codeMap ? { codeMap: q.codeMap } : {}), ...(who ? { actor: who } : {}),
    }, hooks);
  }

  function errorBody(err: unknown) {
    if (isAppError(err)) return err.toBody().error;
    logger.error({ err }, 'import preview failed');
    return new AppError('INTERNAL', `the preview failed unexpectedly: ${(err as Error).message}`).toBody().error;
  }

  return { router: r, stages, start: () => stages.start(), stop: () => stages.close() };
}

function checkTarget(stage: Stage, q: PreviewRequest): void {
  if ((stage.format === 'osm-pbf') !== (q.target === 'osm')) {
    throw new AppError('VALIDATION_ERROR', q.target === 'osm' ? 'OpenStreetMap import needs an .osm.pbf file' : 'an OpenStreetMap PBF fills buildings, network, facilities and basemap at once: choose the target "osm"', 'target');
  }
  if (q.target === 'street' && stage.format !== 'geojson') throw new AppError('VALIDATION_ERROR', 'the street boundary is read from a GeoJSON file', 'target');
  if (q.target === 'street' && !q.street) throw new AppError('VALIDATION_ERROR', 'creating the street needs its name and 12-digit code', 'street');
  if (q.target !== 'street' && q.street) throw new AppError('VALIDATION_ERROR', 'street facts apply only to the target "street"', 'street');
}

function tooLarge(mb: number, maxBytes: number): AppError {
  return new AppError('IMPORT_TOO_LARGE', `the file is larger than the import limit of ${mb} MB: split it (e.g. by community), or ask the operator to raise IMPORT_MAX_MB`, 'body', { limitBytes: maxBytes });
}

/** Reads and discards what the client still sends (so it sees our answer), up to twice the limit. */
async function drain(req: Request, limit: number): Promise<void> {
  let seen = 0;
  await new Promise<void>((resolve) => {
    req.on('data', (c: Buffer) => { seen += c.length; if (seen > 2 * limit) { req.destroy(); resolve(); } });
    req.on('end', resolve);
    req.on('error', () => resolve());
    req.on('close', resolve);
  });
}
