// Staged imports of the admin import page: an uploaded file on disk waiting to be previewed, applied or
// cancelled. One directory per stage under the system's temporary folder; the bookkeeping is in this process
// (stage ids are random, and a stage belongs to the admin who uploaded it). Stages expire: a sweep removes
// the files of any stage older than its time to live, and a later preview or apply of it is refused with
// IMPORT_STAGE_GONE. Behind a load balancer the sticky sessions Socket.IO needs keep an admin on one process.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ApiErrorBody } from '../../common/errors';
import { AppError } from '../../common/errors';
import type { Clock } from '../clock';
import type { ImportProgress, ImportReport } from './types';
import type { PreviewRequest, StageFormat, StageState, StageStatus } from '../../common/import-stage';

export interface Stage {
  id: string;
  owner: string;
  dir: string;
  /** The uploaded file as saved (original name, sanitised). */
  file: string;
  /** For a zipped shapefile: the unpacked .shp, once unpacked. */
  unpacked?: string;
  name: string;
  format: StageFormat;
  bytes: number;
  createdAt: number;
  expiresAt: number;
  state: StageState;
  progress?: ImportProgress;
  request?: PreviewRequest;
  preview?: ImportReport;
  applied?: ImportReport;
  error?: ApiErrorBody['error'];
}

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

export class ImportStages {
  private readonly stages = new Map<string, Stage>();
  private root: Promise<string> | undefined;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly clock: Clock, private readonly ttlMs: number) {
    // unref: the sweep never keeps a process (or a test run) alive.
    this.sweeper = setInterval(() => void this.sweep(), Math.min(60_000, ttlMs)).unref();
  }

  /** A fresh directory for one upload. */
  async newDir(): Promise<string> {
    this.root ??= mkdtemp(path.join(tmpdir(), 'gcc-import-'));
    return mkdtemp(path.join(await this.root, 'stage-'));
  }

  add(entry: Omit<Stage, 'id' | 'createdAt' | 'expiresAt' | 'state'>): Stage {
    const now = this.clock.now().getTime();
    const stage: Stage = { ...entry, id: randomBytes(16).toString('hex'), createdAt: now, expiresAt: now + this.ttlMs, state: 'uploaded' };
    this.stages.set(stage.id, stage);
    return stage;
  }

  /** The stage of `owner`; 410 when it was cancelled, has expired or never existed (for this admin). */
  get(id: string, owner: string): Stage {
    const s = this.stages.get(id);
    if (!s || s.owner !== owner) throw new AppError('IMPORT_STAGE_GONE', 'no staged upload with this id: it has expired or was never uploaded — upload the file again', 'params.id');
    // Only a stage at rest expires: one being previewed or applied finishes first.
    const atRest = s.state === 'uploaded' || s.state === 'previewed' || s.state === 'failed';
    if (atRest && this.clock.now().getTime() > s.expiresAt) void this.discard(s, 'expired');
    if (s.state === 'cancelled') throw new AppError('IMPORT_STAGE_GONE', 'this upload was cancelled and its file deleted — upload the file again', 'params.id');
    if (s.state === 'expired') throw new AppError('IMPORT_STAGE_GONE', `this upload expired (staged uploads are kept ${Math.round(this.ttlMs / 60_000)} minutes) and its file was deleted — upload the file again`, 'params.id');
    return s;
  }

  /** Deletes the stage's files; the entry stays as a tombstone so a late call is told what happened. */
  async discard(s: Stage, state: 'cancelled' | 'expired' | 'applied'): Promise<void> {
    s.state = state;
    await rm(s.dir, { recursive: true, force: true });
  }

  async sweep(): Promise<void> {
    const now = this.clock.now().getTime();
    for (const s of this.stages.values()) {
      const live = s.state === 'uploaded' || s.state === 'previewed' || s.state === 'failed';
      if (live && now > s.expiresAt) await this.discard(s, 'expired');
      // Tombstones go after another lifetime.
      if (!live && s.state !== 'previewing' && s.state !== 'applying' && now > s.expiresAt + this.ttlMs) this.stages.delete(s.id);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const s of this.stages.values()) await rm(s.dir, { recursive: true, force: true });
    if (this.root) await rm(await this.root, { recursive: true, force: true });
  }
}
