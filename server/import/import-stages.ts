// Staged imports of the admin import page: an uploaded file on disk waiting to be previewed, applied or
// cancelled. The bookkeeping is a row of import_stages (migration 157) and the file is one folder per stage
// under the stage root (IMPORT_STAGE_DIR, on the server's data volume): a restart loses no staged upload, and
// any process on the same database and root can serve one (stage ids are random; a stage belongs to the
// admin who uploaded it). Every state change is written before the answer that reports it.
//
// A preview or apply is run by one process, its `runner`; while it runs, that process refreshes the row's
// updated_at (the heartbeat) and is the authority for its progress. A run whose heartbeat has gone stale died
// with its process: the stage is marked failed with IMPORT_INTERRUPTED (at start, by the sweep, or when it is
// read), and the admin previews again. An apply marks the stage applied inside the import's own transaction,
// so "applied" and the imported rows commit together: an interrupted apply wrote nothing.
//
// Stages expire: the sweep marks a stage at rest expired past its time to live and removes its folder, and a
// later call is refused with IMPORT_STAGE_GONE. It also removes folders of cancelled/expired/applied stages
// and folders with no row (once untouched for ORPHAN_GRACE_MS: an upload writes its folder before its row).
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ApiErrorBody } from '../../common/errors';
import { AppError } from '../../common/errors';
import type { Clock } from '../clock';
import type { Db, Queryable } from '../db/db';
import type { Logger } from '../logger';
import type { ImportProgress, ImportReport } from './types';
import type { PreviewRequest, StageFormat, StageState, StageStatus } from '../../common/import-stage';
import { sweepOsmTempDirs } from './osm/temp-files';

export interface Stage {
  id: string;
  owner: string;
  /** The uploaded file as saved (original name, sanitised), relative to the stage root. */
  file: string;
  /** For a zipped shapefile: the unpacked .shp once unpacked, relative to the stage root. */
  unpacked?: string;
  name: string;
  format: StageFormat;
  bytes: number;
  createdAt: number;
  expiresAt: number;
  /** Last write of the row; while previewing/applying, the run's heartbeat. */
  updatedAt: number;
  state: StageState;
  /** The process instance running its preview or apply. */
  runner?: string;
  progress?: ImportProgress;
  request?: PreviewRequest;
  preview?: ImportReport;
  applied?: ImportReport;
  error?: ApiErrorBody['error'];
}

/** How often a running preview/apply refreshes its heartbeat, and when a silent one counts as dead. */
export const HEARTBEAT_MS = 5_000;
export const STALE_RUN_MS = 30_000;
/** Progress reaches the row at most this often (the owning process answers its own polls from memory). */
export const PROGRESS_WRITE_MS = 500;
/** A stage folder without a row is removed once untouched this long (its upload may still be streaming). */
export const ORPHAN_GRACE_MS = 60 * 60_000;

// Runners of this process: `<process id>:<instance>`. A runner of this process is alive exactly while its
// instance is registered here (tests run several app instances in one process); another process's runner is
// alive while its heartbeat is fresh.
const PROCESS_ID = randomBytes(6).toString('hex');
const LIVE_RUNNERS = new Set<string>();

const AT_REST: readonly StageState[] = ['uploaded', 'previewed', 'failed'];
const RUNNING: readonly StageState[] = ['previewing', 'applying'];
const GONE: readonly StageState[] = ['cancelled', 'expired', 'applied'];
const STAGE_ID = /^[0-9a-f]{32}$/;

export function summaryOf(report: ImportReport): { create: number; update: number; refuse: number } {
  const table = Object.keys(report.imported).find((k) => !k.endsWith('_updated')) ?? '';
  const total = report.imported[table] ?? 0;
  const update = report.imported[`${table}_updated`] ?? 0;
  return { create: total - update, update, refuse: report.refused?.length ?? 0 };
}

export function statusOf(s: Stage): StageStatus {
  return {
    id: s.id, name: s.name, format: s.format, bytes: s.bytes, state: s.state,
    createdAt: new Date(s.createdAt).toISOString(), expiresAt: new Date(s.expiresAt).toISOString(),
    ...(s.progress ? { progress: s.progress } : {}),
    ...(s.request ? { request: s.request } : {}),
    ...(s.preview ? { preview: s.preview, summary: summaryOf(s.preview) } : {}),
    ...(s.applied ? { applied: s.applied } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

interface StageRow {
  id: string; owner: string; name: string; format: StageFormat; bytes: number; file: string; unpacked: string | null;
  state: StageState; runner: string | null; request: PreviewRequest | null; preview: ImportReport | null;
  applied: ImportReport | null; error: ApiErrorBody['error'] | null; progress: ImportProgress | null;
  created_ms: number; expires_ms: number; updated_ms: number;
}

const COLUMNS = `id, owner, name, format, bytes, file, unpacked, state, runner, request, preview, applied, error, progress,
  (extract(epoch FROM created_at) * 1000)::float8 AS created_ms, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms,
  (extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms`;
/** A millisecond time as a parameter: both backends compute the timestamptz the same way. */
const AT = (n: number) => `to_timestamp($${n}::float8 / 1000)`;

function fromRow(r: StageRow): Stage {
  return {
    id: r.id, owner: r.owner, name: r.name, format: r.format, bytes: Number(r.bytes), file: r.file, state: r.state,
    createdAt: Number(r.created_ms), expiresAt: Number(r.expires_ms), updatedAt: Number(r.updated_ms),
    ...(r.unpacked ? { unpacked: r.unpacked } : {}), ...(r.runner ? { runner: r.runner } : {}),
    ...(r.request ? { request: r.request } : {}), ...(r.preview ? { preview: r.preview } : {}),
    ...(r.applied ? { applied: r.applied } : {}), ...(r.error ? { error: r.error } : {}),
    ...(r.progress ? { progress: r.progress } : {}),
  };
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

function interruptedError(state: StageState): ApiErrorBody['error'] {
  const message = state === 'applying'
    ? 'the server process applying this upload stopped (restart or crash) before the import committed: the import runs in one transaction, so nothing of it was written — preview again, then apply'
    : 'the server process previewing this upload stopped (restart or crash) before the preview finished: nothing was written — preview again';
  return new AppError('IMPORT_INTERRUPTED', message, 'state', { state }).toBody().error;
}

/** One preview or apply this process is running. */
export interface StageRun {
  readonly kind: 'preview' | 'apply';
  readonly stage: Stage;
  /** Progress as the import reports it: kept in memory, written to the row at most every PROGRESS_WRITE_MS. */
  progress(p: ImportProgress): void;
}

export interface ImportStagesOptions {
  /** The stage root (created when the first upload arrives). */
  root: string;
  ttlMs: number;
  logger?: Logger;
  /** Where the PBF reader puts its temporary folders (default: the system's temporary folder). */
  osmTempDir?: string;
}

export class ImportStages {
  readonly root: string;
  private readonly ttlMs: number;
  private readonly runner = `${PROCESS_ID}:${randomBytes(6).toString('hex')}`;
  /** Runs of this instance, by stage id: their polls are answered from here. */
  private readonly running = new Map<string, Stage>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly lastProgressWrite = new Map<string, number>();
  private sweeper: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly options: ImportStagesOptions) {
    this.root = path.resolve(options.root);
    this.ttlMs = options.ttlMs;
    LIVE_RUNNERS.add(this.runner);
  }

  /** Start-up: interrupted runs of dead processes are marked failed, leftovers removed; then the periodic sweep. */
  async start(): Promise<void> {
    await this.sweep();
    // unref: neither timer ever keeps a process (or a test run) alive.
    this.sweeper ??= setInterval(() => void this.sweep().catch((err: unknown) => this.options.logger?.warn({ err }, 'import stage sweep failed')), Math.min(60_000, this.ttlMs)).unref();
    this.heartbeat ??= setInterval(() => void this.beat(), HEARTBEAT_MS).unref();
  }

  /** The absolute path of a path stored relative to the root; never outside it. */
  pathOf(relative: string): string {
    const full = path.resolve(this.root, relative);
    if (!full.startsWith(this.root + path.sep)) throw new AppError('INTERNAL', `a staged file path leaves the stage root: ${relative}`);
    return full;
  }

  dirOf(id: string): string {
    return this.pathOf(id);
  }

  /** A fresh id and its folder for one upload (the row follows once the file is whole). */
  async newUpload(): Promise<{ id: string; dir: string }> {
    const id = randomBytes(16).toString('hex');
    const dir = this.dirOf(id);
    await mkdir(dir, { recursive: true });
    return { id, dir };
  }

  async add(entry: { id: string; owner: string; file: string; name: string; format: StageFormat; bytes: number }): Promise<Stage> {
    const now = this.clock.now().getTime();
    const { rows } = await this.db.query<StageRow>(
      `INSERT INTO import_stages (id, owner, name, format, bytes, file, state, created_at, expires_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'uploaded', ${AT(7)}, ${AT(8)}, ${AT(7)}) RETURNING ${COLUMNS}`,
      [entry.id, entry.owner, entry.name, entry.format, entry.bytes, path.relative(this.root, entry.file), now, now + this.ttlMs],
    );
    return fromRow(rows[0]);
  }

  private async read(id: string): Promise<Stage | undefined> {
    const { rows } = await this.db.query<StageRow>(`SELECT ${COLUMNS} FROM import_stages WHERE id = $1`, [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** The stage of `owner`; 410 when it was cancelled, has expired or never existed (for this admin). */
  async get(id: string, owner: string): Promise<Stage> {
    const mine = this.running.get(id);
    if (mine && mine.owner === owner) return mine;
    let s = await this.read(id);
    if (!s || s.owner !== owner) throw new AppError('IMPORT_STAGE_GONE', 'no staged upload with this id: it has expired or was never uploaded — upload the file again', 'params.id');
    const now = this.clock.now().getTime();
    // Only a stage at rest expires: one being previewed or applied finishes (or is found dead) first.
    if (AT_REST.includes(s.state) && now > s.expiresAt) {
      await this.discard(s, 'expired');
      s = { ...s, state: 'expired' };
    }
    if (RUNNING.includes(s.state) && this.isDead(s, now)) s = (await this.interrupt(s)) ?? (await this.read(id)) ?? s;
    if (s.state === 'cancelled') throw new AppError('IMPORT_STAGE_GONE', 'this upload was cancelled and its file deleted — upload the file again', 'params.id');
    if (s.state === 'expired') throw new AppError('IMPORT_STAGE_GONE', `this upload expired (staged uploads are kept ${Math.round(this.ttlMs / 60_000)} minutes) and its file was deleted — upload the file again`, 'params.id');
    return s;
  }

  private isDead(s: Stage, now: number): boolean {
    if (!s.runner) return true;
    if (s.runner.startsWith(`${PROCESS_ID}:`)) return !LIVE_RUNNERS.has(s.runner);
    return now - s.updatedAt > STALE_RUN_MS;
  }

  /** Marks a dead run's stage failed (only if it is still that run's); the new stage, or undefined if it moved on. */
  private async interrupt(s: Stage): Promise<Stage | undefined> {
    const { rows } = await this.db.query<StageRow>(
      `UPDATE import_stages SET state = 'failed', error = $4::jsonb, runner = NULL, updated_at = ${AT(5)}
       WHERE id = $1 AND state = $2 AND runner IS NOT DISTINCT FROM $3 RETURNING ${COLUMNS}`,
      [s.id, s.state, s.runner ?? null, json(interruptedError(s.state)), this.clock.now().getTime()],
    );
    if (rows[0]) this.options.logger?.warn({ stage: s.id, state: s.state, runner: s.runner }, 'staged import interrupted: its process stopped');
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /**
   * Claims the stage for a preview (from uploaded, previewed or failed) or an apply (from previewed) by this
   * instance: one compare-and-set, so two processes never run the same stage. IMPORT_STAGE_STATE otherwise.
   */
  async begin(s: Stage, kind: 'preview' | 'apply', request?: PreviewRequest): Promise<StageRun> {
    if (this.closed) throw new AppError('IMPORT_STAGE_STATE', 'the server is shutting down: try again in a moment', 'state');
    const now = this.clock.now().getTime();
    const from = kind === 'preview' ? AT_REST : ['previewed'];
    const set = kind === 'preview'
      ? `state = 'previewing', request = $5::jsonb, preview = NULL, error = NULL, progress = '{"phase":"read"}'::jsonb`
      : `state = 'applying', progress = NULL`;
    const { rows } = await this.db.query<StageRow>(
      `UPDATE import_stages SET ${set}, runner = $3, updated_at = ${AT(4)}
       WHERE id = $1 AND state = ANY($2::text[]) AND expires_at >= ${AT(4)}
       RETURNING ${COLUMNS}`,
      kind === 'preview' ? [s.id, from, this.runner, now, json(request)] : [s.id, from, this.runner, now],
    );
    if (!rows[0]) {
      const current = await this.get(s.id, s.owner);
      throw stateError(current.state);
    }
    const stage = fromRow(rows[0]);
    this.running.set(stage.id, stage);
    return {
      kind,
      stage,
      progress: (p) => {
        stage.progress = p;
        const last = this.lastProgressWrite.get(stage.id) ?? 0;
        const at = Date.now();
        if (at - last < PROGRESS_WRITE_MS) return;
        this.lastProgressWrite.set(stage.id, at);
        this.track(this.db.query(
          `UPDATE import_stages SET progress = $3::jsonb, updated_at = ${AT(4)} WHERE id = $1 AND runner = $2 AND state = ANY(ARRAY['previewing','applying'])`,
          [stage.id, this.runner, json(p), this.clock.now().getTime()],
        ).catch((err: unknown) => this.options.logger?.warn({ err }, 'import progress not written')));
      },
    };
  }

  /** Keeps a background promise so close() can wait for it. */
  track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /**
   * Ends a run: the stage moves to `state` with these fields, only if it is still this run's (a run found
   * dead meanwhile, or a stage cancelled, keeps what it has). After close() nothing is written: the run is
   * abandoned, as if its process had stopped.
   */
  async finish(run: StageRun, state: 'previewed' | 'failed' | 'applied', fields: { preview?: ImportReport; applied?: ImportReport; error?: ApiErrorBody['error'] }): Promise<Stage> {
    const s = run.stage;
    this.running.delete(s.id);
    this.lastProgressWrite.delete(s.id);
    if (this.closed) return s;
    // "applied" was already written inside the import's transaction (applyingDb).
    const from = run.kind === 'apply' ? ['applying', 'applied'] : ['previewing'];
    const { rows } = await this.db.query<StageRow>(
      `UPDATE import_stages SET state = $4, preview = COALESCE($5::jsonb, preview), applied = $6::jsonb, error = $7::jsonb,
         progress = $8::jsonb, runner = NULL, updated_at = ${AT(9)}
       WHERE id = $1 AND runner = $2 AND state = ANY($3::text[]) RETURNING ${COLUMNS}`,
      [s.id, this.runner, from, state, json(fields.preview), json(fields.applied), json(fields.error), json(s.progress), this.clock.now().getTime()],
    );
    return rows[0] ? fromRow(rows[0]) : ((await this.read(s.id)) ?? s);
  }

  /** An apply that failed (nothing committed): the stage is previewed again, as before the apply. */
  async release(run: StageRun): Promise<void> {
    const s = run.stage;
    this.running.delete(s.id);
    if (this.closed) return;
    await this.db.query(
      `UPDATE import_stages SET state = 'previewed', runner = NULL, updated_at = ${AT(3)} WHERE id = $1 AND runner = $2 AND state = 'applying'`,
      [s.id, this.runner, this.clock.now().getTime()],
    );
  }

  /**
   * The database an apply runs on: its one transaction also marks the stage applied (still this run's), so
   * the imported rows and "applied" commit together or not at all. If the run was meanwhile found dead (and
   * the stage perhaps previewed again elsewhere), the mark finds no row and the import rolls back.
   */
  applyingDb(run: StageRun): Db {
    const { db } = this;
    let transactions = 0;
    const mark = async (tx: Queryable) => {
      const r = await tx.query(
        `UPDATE import_stages SET state = 'applied', updated_at = ${AT(3)} WHERE id = $1 AND runner = $2 AND state = 'applying'`,
        [run.stage.id, this.runner, this.clock.now().getTime()],
      );
      if (r.rowCount !== 1) throw new AppError('IMPORT_INTERRUPTED', 'this apply was taken for dead (its heartbeat stopped) and the upload released: nothing was written — preview again, then apply', 'state');
    };
    return {
      kind: db.kind,
      capabilities: db.capabilities,
      ...(db.publisherLane ? { publisherLane: db.publisherLane } : {}),
      query: (sql, params) => db.query(sql, params),
      exec: (sql) => db.exec(sql),
      ping: (ms) => db.ping(ms),
      close: () => db.close(),
      transaction: <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
        // The imports apply in exactly one transaction; a second would commit after "applied".
        if (++transactions > 1) throw new AppError('INTERNAL', 'a staged apply opened a second transaction: the stage can no longer be marked applied with the import');
        return db.transaction(async (tx) => {
          const result = await fn(tx);
          await mark(tx);
          return result;
        });
      },
    };
  }

  async setUnpacked(s: Stage, absolute: string): Promise<void> {
    s.unpacked = path.relative(this.root, absolute);
    await this.db.query('UPDATE import_stages SET unpacked = $2 WHERE id = $1', [s.id, s.unpacked]);
  }

  /** Deletes the stage's files; the row stays as a tombstone so a late call is told what happened. */
  async discard(s: Stage, state: 'cancelled' | 'expired' | 'applied', onlyFrom?: readonly StageState[]): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE import_stages SET state = $2, runner = NULL, updated_at = ${AT(3)} WHERE id = $1 AND ($4::text[] IS NULL OR state = ANY($4::text[]))`,
      [s.id, state, this.clock.now().getTime(), onlyFrom ?? null],
    );
    if (rowCount === 0 && onlyFrom) return false;
    s.state = state;
    // A run of this instance on it (a cancelled preview) ends without writing: its finish finds another state.
    this.running.delete(s.id);
    await rm(this.dirOf(s.id), { recursive: true, force: true });
    return rowCount > 0;
  }

  /** Keeps this instance's runs alive for other processes. */
  private async beat(): Promise<void> {
    if (this.running.size === 0 || this.closed) return;
    await this.db.query(
      `UPDATE import_stages SET updated_at = ${AT(2)} WHERE runner = $1 AND state = ANY(ARRAY['previewing','applying'])`,
      [this.runner, this.clock.now().getTime()],
    ).catch((err: unknown) => this.options.logger?.warn({ err }, 'import heartbeat not written'));
  }

  /**
   * Expires stages at rest past their time, fails runs of dead processes, removes the folders of stages that
   * are gone and of none (untouched for ORPHAN_GRACE_MS), deletes tombstones after another lifetime, and
   * sweeps the PBF reader's leftovers. Safe to run in every process at once.
   */
  async sweep(): Promise<{ expired: number; interrupted: number; removed: string[] }> {
    const now = this.clock.now().getTime();
    const expired = await this.db.query<{ id: string }>(
      `UPDATE import_stages SET state = 'expired', updated_at = ${AT(1)}
       WHERE state = ANY(ARRAY['uploaded','previewed','failed']) AND expires_at < ${AT(1)} RETURNING id`,
      [now],
    );
    let interrupted = 0;
    const runs = await this.db.query<StageRow>(`SELECT ${COLUMNS} FROM import_stages WHERE state = ANY(ARRAY['previewing','applying'])`);
    for (const s of runs.rows.map(fromRow)) if (this.isDead(s, now) && (await this.interrupt(s))) interrupted++;
    await this.db.query(
      `DELETE FROM import_stages WHERE state = ANY(ARRAY['cancelled','expired','applied']) AND expires_at < ${AT(1)}`,
      [now - this.ttlMs],
    );
    const removed = await this.removeLeftovers();
    removed.push(...(await sweepOsmTempDirs(this.options.osmTempDir)));
    if (expired.rowCount + interrupted + removed.length > 0) this.options.logger?.info({ expired: expired.rowCount, interrupted, removed: removed.length }, 'import stages swept');
    return { expired: expired.rowCount, interrupted, removed };
  }

  /** Stage folders whose stage is gone, or that have no row and have not been touched for ORPHAN_GRACE_MS. */
  private async removeLeftovers(): Promise<string[]> {
    let names: string[];
    try { names = await readdir(this.root); } catch { return []; }
    // Only folders named like a stage: the root may be shared with something else by mistake.
    const ids = names.filter((n) => STAGE_ID.test(n));
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{ id: string; state: StageState }>('SELECT id, state FROM import_stages WHERE id = ANY($1::text[])', [ids]);
    const state = new Map(rows.map((r) => [r.id, r.state]));
    const removed: string[] = [];
    for (const id of ids) {
      const s = state.get(id);
      if (s && !GONE.includes(s)) continue;
      const dir = this.dirOf(id);
      // Wall-clock time: file times are the system's, not the app clock's.
      if (!s && Date.now() - (await newestMtime(dir)) < ORPHAN_GRACE_MS) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
    return removed;
  }

  /**
   * Stops the timers and this instance's runs: nothing more is written for them (their stages stay
   * previewing/applying and are found interrupted by the next process, as after a crash); waits for the work
   * already started so the database is not used after its owner closes it. The files stay: they are kept.
   */
  async close(): Promise<void> {
    this.closed = true;
    LIVE_RUNNERS.delete(this.runner);
    clearInterval(this.sweeper);
    clearInterval(this.heartbeat);
    await Promise.allSettled([...this.inFlight]);
  }
}

export function stateError(state: StageState): AppError {
  if (state === 'applied') return new AppError('IMPORT_STAGE_STATE', 'this upload has been imported already: nothing was written again', 'state', { state });
  if (state === 'failed') return new AppError('IMPORT_STAGE_STATE', 'the preview of this upload failed: fix the file or the options and preview again', 'state', { state });
  if (state === 'previewing' || state === 'applying') return new AppError('IMPORT_STAGE_STATE', `this upload is ${state}: wait until it is done`, 'state', { state });
  return new AppError('IMPORT_STAGE_STATE', `this upload is ${state}: preview it, then apply`, 'state', { state });
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  try {
    newest = (await stat(dir)).mtimeMs;
    for (const f of await readdir(dir)) {
      try { newest = Math.max(newest, (await stat(path.join(dir, f))).mtimeMs); } catch { /* removed meanwhile */ }
    }
  } catch { /* gone */ }
  return newest;
}
