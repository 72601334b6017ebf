// SIMULATION: grid workers on simulated phones, driving the same API the /m app uses. Each signs in once
// (a worker device session through /api/auth/login), goes on duty (/api/field/duty), and every tick:
//   - reads its inbox (/api/field/tasks) and works what is assigned to it: 接单 (/api/field/tasks/:id/ack) →
//     a generated 整改前 photo → start → a generated 整改后 photo → resolve with a note (both labelled
//     SIMULATION / 模拟数据); a case sent back by verification (返工) is resolved again with a new after photo;
//   - sends its own position (/api/live/workers/positions as itself): along its patrol line, or at the case
//     while it works one;
//   - now and then reports what it sees where it stands (巡查上报, /api/field/patrol) with a generated photo,
//     and for some small problems inside its own grid fixes it on the spot (随手办: self-assigned and started
//     by the server; it resolves it like any task and someone else verifies it).
// The dispatcher side (closed-loop.ts) keeps accepting, assigning, verifying and closing; cases assigned to
// a phone are left to the phone. Every write carries an Idempotency-Key, as the phone's outbox does.
import { randomUUID } from 'node:crypto';
import { booleanPointInPolygon } from '@turf/turf';
import type { IncidentCategory } from '../../common/domain';
import type { IncidentDto } from '../../common/incidents';
import { ApiClient, errorCode } from './api-client';
import type { ClosedLoop } from './closed-loop';
import { TITLES } from './day-model';
import { simPhotoJpeg, type SimPhotoKind } from './sim-photo';

type LonLat = [number, number];

export interface FieldAccount {
  username: string;
  password: string;
}

/** A grid polygon as the layers API returns it (GeoJSON Feature with the grid id in properties.id). */
export interface GridFeature {
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown>;
}

export interface FieldCrewOptions {
  base: string;
  accounts: readonly FieldAccount[];
  rand: () => number;
  loop: ClosedLoop | null;
  /** Where the worker's patrol has brought them now (run-simulation moves it along a street line). */
  patrolPosition(personId: number): LonLat | null;
  grids: readonly GridFeature[];
  /** Patrol reports per worker per simulated hour (default 0.5). */
  patrolPerHour?: number;
  /** Share of patrol reports inside the worker's own grid that are fixed on the spot (随手办), default 0.35. */
  fixOnSpotShare?: number;
  /** Phones working at once (default 4). */
  concurrency?: number;
  log(line: string): void;
}

export interface FieldCrewSummary {
  phones: number;
  signInFailed: number;
  acknowledged: number;
  started: number;
  resolved: number;
  /** Of resolved: resolved again after a failed verification (返工). */
  reworkResolved: number;
  photos: number;
  photosRefused: number;
  patrolReports: number;
  fixedOnSpot: number;
  positionFixes: number;
  conflicts: number;
  failures: number;
}

interface Task {
  id: number;
  code: string;
  lon: number;
  lat: number;
  /** Simulated ms when the phone does the next thing with it. */
  nextAt: number;
  /** The rework round the last resolve was for (-1: never resolved). */
  resolvedRound: number;
  beforeSent: boolean;
}

interface Phone {
  api: ApiClient;
  username: string;
  personId: number;
  gridId: number | null;
  grid: GridFeature | undefined;
  tasks: Map<number, Task>;
  nextPatrolAt: number;
  /** Where the worker stands while working a case (else on the patrol line). */
  atCase: LonLat | null;
}

const MIN = 60_000;
const NOTE = 'SIMULATION — 模拟数据 (npm run simulate)';
const PATROL_CATEGORIES: readonly IncidentCategory[] = ['environment', 'safety', 'parking', 'public_sentiment'];
/** Categories a worker plausibly fixes alone on the spot (a 小事). */
const FIXABLE: ReadonlySet<IncidentCategory> = new Set(['environment', 'parking']);
/** Cases a simulated phone may work: the sample's and the simulation's own (patrol reports carry 【模拟】). */
const SIM_SOURCES: ReadonlySet<string> = new Set(['sample', 'simulator']);
const RESOLVE_NOTES = ['已现场清理完毕（模拟）', '已联系物业处置，现场恢复正常（模拟）', '已劝导整改，复查无问题（模拟）'];

export class FieldCrew {
  readonly summary: FieldCrewSummary = {
    phones: 0, signInFailed: 0, acknowledged: 0, started: 0, resolved: 0, reworkResolved: 0, photos: 0, photosRefused: 0,
    patrolReports: 0, fixedOnSpot: 0, positionFixes: 0, conflicts: 0, failures: 0,
  };
  private readonly phones: Phone[] = [];
  private warnedPhoto = false;

  constructor(private readonly o: FieldCrewOptions) {
    this.loop = o.loop;
  }

  /** Person ids of the signed-in phones (the closed loop leaves their cases to them). */
  readonly personIds = new Set<number>();
  /** Their grids. */
  readonly gridIds = new Set<number>();
  private loop: ClosedLoop | null;

  /** The dispatcher side, told about every patrol report so it walks them too. */
  attach(loop: ClosedLoop | null): void {
    this.loop = loop;
  }

  /** Signs every account in as the phone does and puts it on duty; returns how many are working. */
  async signIn(simNow: number): Promise<number> {
    for (const a of this.o.accounts) {
      const api = new ApiClient(this.o.base);
      try {
        await api.login(a.username, a.password);
        const me = await api.call<{ personId: number; gridId: number | null }>('GET', '/api/field/me');
        if (me.status !== 200) throw new Error(`GET /api/field/me answered ${me.status} ${errorCode(me.body) ?? ''}`);
        const duty = await api.call('POST', '/api/field/duty', { onDuty: true });
        if (duty.status !== 200) throw new Error(`going on duty answered ${duty.status}`);
        const grid = this.o.grids.find((g) => Number(g.properties?.id) === me.body.gridId);
        this.phones.push({
          api, username: a.username, personId: me.body.personId, gridId: me.body.gridId, grid, tasks: new Map(),
          nextPatrolAt: simNow + this.nextPatrolGap(), atCase: null,
        });
        this.personIds.add(me.body.personId);
        if (me.body.gridId != null) this.gridIds.add(me.body.gridId);
      } catch (err) {
        this.summary.signInFailed++;
        this.o.log(`  field: ${a.username} could not sign in (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    this.summary.phones = this.phones.length;
    return this.phones.length;
  }

  /** What each phone does up to simulated `simNow`; starts nothing after `deadline` (real ms). */
  async tick(simNow: number, deadline: number): Promise<void> {
    let next = 0;
    const run = async () => {
      while (next < this.phones.length && Date.now() < deadline) {
        const phone = this.phones[next++];
        try {
          await this.work(phone, simNow);
        } catch (err) {
          // transport error (server restarting): this phone tries again next tick, like the real outbox
          this.summary.failures++;
          this.o.log(`  field: ${phone.username}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.o.concurrency ?? 4, this.phones.length)) }, run));
  }

  // --- one phone ----------------------------------------------------------------------------------

  private async work(p: Phone, simNow: number): Promise<void> {
    // A tick can cover simulated hours: a step happens at its own simulated moment, and when the next one is
    // still before `simNow` the phone reads its inbox again and does it in this tick too (a few rounds at most).
    for (let round = 0; round < 4; round++) {
      const inbox = await p.api.call<{ items: IncidentDto[] }>('GET', '/api/field/tasks');
      if (inbox.status !== 200) {
        this.summary.failures++;
        return;
      }
      const seen = new Set<number>();
      let more = false;
      for (const dto of inbox.body.items) {
        seen.add(dto.id);
        // only simulated or sample cases: a real report assigned to a simulated worker is left alone
        if (!SIM_SOURCES.has(dto.source) && !dto.title.startsWith('【模拟】')) continue;
        let t = p.tasks.get(dto.id);
        if (!t) {
          t = { id: dto.id, code: dto.code, lon: dto.lon, lat: dto.lat, nextAt: simNow + this.delay(dto), resolvedRound: -1, beforeSent: false };
          p.tasks.set(dto.id, t);
        }
        if (t.nextAt <= simNow) {
          await this.step(p, t, dto, Math.min(t.nextAt, simNow));
          if (t.nextAt <= simNow) more = true;
        }
      }
      for (const id of [...p.tasks.keys()]) if (!seen.has(id)) p.tasks.delete(id);
      if (!more) break;
    }
    if (p.atCase && ![...p.tasks.values()].some((t) => t.lon === p.atCase?.[0] && t.lat === p.atCase?.[1])) p.atCase = null;

    if (simNow >= p.nextPatrolAt) {
      p.nextPatrolAt = simNow + this.nextPatrolGap();
      await this.patrol(p, simNow);
    }

    const at = p.atCase ?? this.o.patrolPosition(p.personId);
    if (at) {
      const res = await p.api.call('POST', '/api/live/workers/positions', { fixes: [{ lon: at[0], lat: at[1] }] });
      if (res.status === 202) this.summary.positionFixes++;
    }
  }

  /** Simulated minutes until the phone's next move on a task in this status. */
  private delay(dto: IncidentDto): number {
    const between = (lo: number, hi: number) => (lo + this.o.rand() * (hi - lo)) * MIN;
    if (dto.status === 'assigned') return dto.acknowledgedAt ? between(5, 25) : between(2, 10);
    if (dto.status === 'in_progress') return dto.severity === 'big' ? between(120, 480) : between(20, 120);
    return 0;
  }

  private async step(p: Phone, t: Task, dto: IncidentDto, simNow: number): Promise<void> {
    const key = (what: string) => ({ 'idempotency-key': `sim-${what}-${dto.id}-${dto.reworkCount}` });
    if (dto.status === 'assigned' && !dto.acknowledgedAt) {
      const res = await p.api.call<IncidentDto>('POST', `/api/field/tasks/${dto.id}/ack`, { expectedVersion: dto.version });
      if (this.ok(res, 'ack')) this.summary.acknowledged++;
      t.nextAt = simNow + this.delay({ ...dto, acknowledgedAt: 'now' });
      return;
    }
    if (dto.status === 'assigned') {
      // on site: the 整改前 photo, then start
      p.atCase = [t.lon, t.lat];
      if (!t.beforeSent) t.beforeSent = await this.photo(p, dto, 'before', simNow);
      const res = await p.api.call<IncidentDto>('POST', `/api/incidents/${dto.id}/start`, { expectedVersion: dto.version }, key('start'));
      if (this.ok(res, 'start')) this.summary.started++;
      t.nextAt = simNow + this.delay({ ...dto, status: 'in_progress' });
      return;
    }
    if (dto.status === 'in_progress') {
      if (t.resolvedRound === dto.reworkCount) return; // already resolved this round; the inbox is behind
      p.atCase = [t.lon, t.lat];
      // a 随手办 case comes straight in progress: its report photo is the before; rework adds a new after
      if (!t.beforeSent && dto.source !== 'patrol') t.beforeSent = await this.photo(p, dto, 'before', simNow);
      await this.photo(p, dto, 'after', simNow);
      const note = `${RESOLVE_NOTES[Math.floor(this.o.rand() * RESOLVE_NOTES.length)]}\n${NOTE}`;
      const res = await p.api.call<IncidentDto>('POST', `/api/incidents/${dto.id}/resolve`, { expectedVersion: dto.version, note }, key('resolve'));
      if (this.ok(res, 'resolve')) {
        this.summary.resolved++;
        if (dto.reworkCount > 0) this.summary.reworkResolved++;
        t.resolvedRound = dto.reworkCount;
        p.atCase = null;
      }
      t.nextAt = simNow + 10 * MIN;
    }
  }

  private ok(res: { status: number; body: unknown }, what: string): boolean {
    if (res.status === 200 || res.status === 201) return true;
    if (res.status === 409) this.summary.conflicts++;
    else {
      this.summary.failures++;
      if (this.summary.failures <= 3) this.o.log(`  field: ${what} answered ${res.status} ${errorCode(res.body) ?? ''}`);
    }
    return false;
  }

  /** Uploads a generated photo of `kind` through the real route (raw JPEG body, Idempotency-Key). */
  private async photo(p: Phone, dto: Pick<IncidentDto, 'id' | 'code' | 'reworkCount' | 'lon' | 'lat'>, kind: SimPhotoKind, simNow: number): Promise<boolean> {
    const bytes = await simPhotoJpeg({ label: dto.code, kind, capturedAt: new Date(simNow), lon: dto.lon, lat: dto.lat });
    const res = await p.api.upload(`/api/incidents/${dto.id}/photos?kind=${kind}`, bytes, 'image/jpeg', { 'idempotency-key': `sim-photo-${kind}-${dto.id}-${dto.reworkCount}` });
    if (res.status === 200 || res.status === 201) {
      this.summary.photos++;
      return true;
    }
    this.summary.photosRefused++;
    if (!this.warnedPhoto) {
      this.warnedPhoto = true;
      this.o.log(`  field: a ${kind} photo was refused: ${res.status} ${errorCode(res.body) ?? ''} (further refusals are only counted)`);
    }
    return false;
  }

  /** 巡查上报 where the worker stands, with a photo; 随手办 for some small problems inside their own grid. */
  private async patrol(p: Phone, simNow: number): Promise<void> {
    const at = this.o.patrolPosition(p.personId);
    if (!at) return;
    const category = PATROL_CATEGORIES[Math.floor(this.o.rand() * PATROL_CATEGORIES.length)];
    const titles = TITLES[category];
    const inOwnGrid = p.grid != null && booleanPointInPolygon(at, p.grid as Parameters<typeof booleanPointInPolygon>[1]);
    const fixOnSpot = inOwnGrid && FIXABLE.has(category) && this.o.rand() < (this.o.fixOnSpotShare ?? 0.35);
    const res = await p.api.call<IncidentDto>('POST', '/api/field/patrol', {
      category,
      title: `【模拟】${titles[Math.floor(this.o.rand() * titles.length)]}（巡查）`,
      description: NOTE,
      location: { lon: at[0], lat: at[1] },
      note: fixOnSpot ? '巡查发现，随手办（模拟）' : '巡查发现（模拟）',
      fixOnSpot,
    }, { 'idempotency-key': `sim-patrol-${randomUUID()}` });
    if (res.status !== 201 && res.status !== 200) {
      this.ok(res, 'patrol');
      return;
    }
    this.summary.patrolReports++;
    if (fixOnSpot) this.summary.fixedOnSpot++;
    // the photo is the report's; a worker may add it only to a case of their own grid (elsewhere: text only)
    if (res.body.gridId != null && res.body.gridId === p.gridId) await this.photo(p, res.body, 'report', simNow);
    this.loop?.trackReported(res.body, simNow);
  }

  private nextPatrolGap(): number {
    const rate = Math.max(1e-6, this.o.patrolPerHour ?? 0.5);
    return (-Math.log(Math.max(this.o.rand(), 1e-9)) / rate) * 3600_000;
  }
}
