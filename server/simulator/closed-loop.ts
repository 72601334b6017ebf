// SIMULATION: walks open incidents (the simulator's own reports and the existing backlog) through the closed loop
// of PRODUCT.md §5 over the REAL API, with delays in SIMULATED minutes (the caller's clock runs --speed times
// faster than real time):
//   reported → accept → (big: plan) → assign to the first available recommended candidate → start → resolve
//   → verify by a DIFFERENT account (passes, or fails once for a few: rework) → close with a reply → rating 1–5.
// A few reports are rejected (with a reply, sometimes rated), a few stall long enough to go past their due time
// on the simulated timeline and are escalated (督办) by the dispatcher. Every command carries the expectedVersion
// last seen; a 409 (STALE_VERSION / ASSIGNMENT_CONFLICT) is a normal race: re-read the incident and go on from
// whatever state it is in now. The numbers below are invented to look plausible, not measured.
// With simulated phones (server/simulator/field-crew.ts) a case assigned to one of them is worked by that
// worker through /api/field (接单, start, resolve with photos): the dispatcher side only watches it (re-reads)
// until it comes back resolved, then verifies and closes it as before.
import type { IncidentSeverity, IncidentStatus } from '../../common/domain';
import type { CandidatesDto, IncidentDto, IncidentListDto } from '../../common/incidents';
import { dueTimes } from '../incidents/due-times';
import { ApiClient, errorCode } from './api-client';
import { pickWeighted } from './day-model';

export interface ClosedLoopOptions {
  /** The dispatcher: accepts, assigns, starts, resolves, closes, replies, rates, escalates. */
  api: ApiClient;
  /** A second account (leader or another dispatcher) that verifies; null → cases wait at resolved. */
  verifier: ApiClient | null;
  rand: () => number;
  /** At most this many commands in flight at once. */
  concurrency: number;
  /** At most this many commands per tick (the rest wait for the next tick). */
  maxStepsPerTick?: number;
  log(line: string): void;
  /** Person ids of the workers on a simulated phone: their cases are worked on the phone, not from the desk. */
  fieldWorkers?: ReadonlySet<number>;
}

export interface ClosedLoopSummary {
  tracked: number;
  backlog: number;
  accepted: number;
  planned: number;
  assigned: number;
  /** Of those, assigned to a worker on a simulated phone (who then works it through /api/field). */
  assignedToPhones: number;
  started: number;
  resolved: number;
  verified: number;
  reworked: number;
  closed: number;
  rejected: number;
  replied: number;
  rated: number;
  escalated: number;
  /** 409s answered by re-reading (normal races with people or the escalation job). */
  conflicts: number;
  /** Other refusals and transport errors (the case is re-read, retried a few times, then left alone). */
  failures: number;
  noCandidate: number;
  /** Cases left at resolved because no verifying account is signed in. */
  waitingForVerifier: number;
}

type Step = 'accept' | 'reject' | 'plan' | 'assign' | 'start' | 'resolve' | 'verify' | 'close' | 'reply' | 'rating' | 'watch';
/** What will happen to a case, drawn once when it is first seen. */
type Fate = 'normal' | 'stall' | 'rework' | 'reject';

interface Case {
  id: number;
  version: number;
  status: IncidentStatus;
  severity: IncidentSeverity;
  assigneeId: number | null;
  satisfaction: number | null;
  hasReply: boolean;
  hasPlan: boolean;
  escalationLevel: number;
  fate: Fate;
  reworkedBySim: boolean;
  wantsRating: boolean;
  /** Simulated due time (ms). */
  simDue: number;
  /** Escalated by the simulator only if it goes overdue during the run (older overdue cases are the server job's). */
  watchDue: boolean;
  step: Step | null;
  nextAt: number;
  busy: boolean;
  /** Consecutive failed attempts of the current step. */
  tries: number;
}

const MIN = 60_000;
const DAY = 86_400_000;
const MAX_TRIES = 4;
const OPEN: readonly IncidentStatus[] = ['reported', 'accepted', 'assigned', 'in_progress', 'resolved', 'verified'];

/** Existing incidents the simulator may walk. */
const BACKLOG_SOURCES: readonly string[] = ['sample', 'simulator'];

const REPLIES = [
  '您反映的问题已处理完毕，感谢您对社区工作的支持。（模拟）',
  '经网格员现场处置，问题已解决，如仍有问题请随时联系。（模拟）',
  '已协调相关部门处理完成，欢迎继续监督。（模拟）',
];
const REJECT_REASONS = ['重复上报，已并入原工单（模拟）', '不属于本街道受理范围，已告知转办渠道（模拟）', '信息不全，无法核实（模拟）'];

export class ClosedLoop {
  readonly summary: ClosedLoopSummary = {
    tracked: 0, backlog: 0, accepted: 0, planned: 0, assigned: 0, assignedToPhones: 0, started: 0, resolved: 0, verified: 0, reworked: 0, closed: 0,
    rejected: 0, replied: 0, rated: 0, escalated: 0, conflicts: 0, failures: 0, noCandidate: 0, waitingForVerifier: 0,
  };
  private readonly cases = new Map<number, Case>();
  private readonly rand: () => number;
  private warnedNoVerifier = false;

  constructor(private readonly o: ClosedLoopOptions) {
    this.rand = o.rand;
  }

  /** Open cases being walked now. */
  get active(): number {
    return this.cases.size;
  }

  /** Starts walking a case the simulator has just reported (simulated report time `simNow`). */
  trackReported(dto: IncidentDto, simNow: number): void {
    this.track(dto, simNow, dueTimes(dto.severity, new Date(simNow)).dueAt.getTime(), 0);
  }

  /**
   * Picks up the open incidents already in the database that are the sample's or an earlier simulation's (never a
   * real report), soonest due first.
   * Their remaining time to due maps one to one onto the simulated timeline; their first steps are spread over
   * the first simulated hours so they do not all move at once.
   */
  async loadBacklog(simNow: number, limit = 500): Promise<number> {
    const res = await this.o.api.call<IncidentListDto>('GET', `/api/incidents?status=${OPEN.join(',')}&sort=due_at&limit=${limit}`);
    if (res.status !== 200) {
      this.o.log(`  closed loop: could not list open incidents (${res.status}); walking only new reports`);
      return 0;
    }
    const realNow = Date.now();
    for (const dto of res.body.items) {
      // only the sample's and earlier simulations' cases: a real report (api, socket, open311, import) is never
      // answered with a simulated reply
      if (this.cases.has(dto.id) || !BACKLOG_SOURCES.includes(dto.source)) continue;
      this.track(dto, simNow, simNow + (Date.parse(dto.dueAt) - realNow), this.rand() * 180 * MIN);
      this.summary.backlog++;
    }
    return this.summary.backlog;
  }

  /** Runs the commands due by `simNow` (bounded per tick and in concurrency); stops starting new ones after `deadline` (real ms). */
  async tick(simNow: number, deadline: number): Promise<void> {
    const jobs: Array<{ c: Case; step: Step | 'escalate' }> = [];
    for (const c of this.cases.values()) {
      if (c.busy) continue;
      // 督办: past its simulated due time, one level more per further simulated day late (as the real job does).
      if (c.watchDue && OPEN.includes(c.status) && simNow > c.simDue) {
        const target = Math.min(3, 1 + Math.floor((simNow - c.simDue) / DAY));
        if (c.escalationLevel < target) {
          jobs.push({ c, step: 'escalate' });
          continue;
        }
      }
      if (c.step && c.nextAt <= simNow) jobs.push({ c, step: c.step });
    }
    jobs.sort((a, b) => a.c.nextAt - b.c.nextAt);
    const max = this.o.maxStepsPerTick ?? 200;
    const todo = jobs.slice(0, max);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < todo.length && done < max && Date.now() < deadline) {
        const job = todo[next++];
        const c = job.c;
        c.busy = true;
        // a step happens at its own simulated moment (not at the tick's end), so the following step is drawn
        // from there, and when that is still before `simNow` it runs in this tick too (a slow tick loses nothing)
        const at = Math.min(c.nextAt, simNow);
        try {
          if (job.step === 'escalate') await this.escalate(c, simNow);
          else await this.run(c, job.step, at);
        } catch (err) {
          // transport error (server restarting, connection refused): try again later
          this.summary.failures++;
          this.retryLater(c, at, err instanceof Error ? err.message : String(err));
        } finally {
          c.busy = false;
          done++;
        }
        if (job.step !== 'escalate' && this.cases.has(c.id) && c.step && c.nextAt <= simNow) todo.push({ c, step: c.step });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.o.concurrency, todo.length)) }, worker));
  }

  // --- internals ----------------------------------------------------------------------------------

  private track(dto: IncidentDto, simNow: number, simDue: number, firstDelay: number): void {
    const r = this.rand();
    const fate: Fate =
      dto.status === 'reported' && r < 0.05 ? 'reject' : r < 0.15 ? 'stall' : r < 0.23 ? 'rework' : 'normal';
    const c: Case = {
      id: dto.id, version: dto.version, status: dto.status, severity: dto.severity, assigneeId: dto.assigneeId, satisfaction: dto.satisfaction,
      hasReply: dto.reply != null, hasPlan: dto.plan != null, escalationLevel: dto.escalationLevel, fate,
      reworkedBySim: false, wantsRating: this.rand() < 0.5, simDue, watchDue: simDue > simNow, step: null, nextAt: simNow, busy: false, tries: 0,
    };
    this.cases.set(c.id, c);
    this.summary.tracked++;
    this.schedule(c, simNow, firstDelay);
  }

  /** Sets the next step from the case's status and draws its delay; forgets finished cases. */
  private schedule(c: Case, simNow: number, extraDelay = 0): void {
    const step = this.nextStep(c);
    if (step === null) {
      if (c.status === 'resolved' && !this.o.verifier) {
        this.summary.waitingForVerifier++;
        if (!this.warnedNoVerifier) {
          this.warnedNoVerifier = true;
          this.o.log('  closed loop: no verifying account signed in — cases stop at "resolved" (verification needs a second user)');
        }
      }
      this.cases.delete(c.id);
      return;
    }
    if (step !== c.step) c.tries = 0;
    c.step = step;
    c.nextAt = simNow + extraDelay + this.delayMinutes(c, step) * MIN;
  }

  private nextStep(c: Case): Step | null {
    if ((c.status === 'assigned' || c.status === 'in_progress') && c.assigneeId != null && this.o.fieldWorkers?.has(c.assigneeId)) return 'watch';
    switch (c.status) {
      case 'reported':
        return c.fate === 'reject' ? 'reject' : 'accept';
      case 'accepted':
        return c.severity === 'big' && !c.hasPlan ? 'plan' : 'assign';
      case 'assigned':
        return 'start';
      case 'in_progress':
        return 'resolve';
      case 'resolved':
        return this.o.verifier ? 'verify' : null;
      case 'verified':
        return 'close';
      case 'closed':
        return c.satisfaction == null ? 'rating' : null;
      case 'rejected':
        if (!c.hasReply) return 'reply';
        return c.satisfaction == null && c.wantsRating ? 'rating' : null;
    }
  }

  /** Simulated minutes until `step` (uniform in a range per step; big matters and stalled cases take longer). */
  private delayMinutes(c: Case, step: Step): number {
    const between = (lo: number, hi: number) => lo + this.rand() * (hi - lo);
    switch (step) {
      case 'accept': return between(3, 30);
      case 'reject': return between(5, 40);
      case 'plan': return between(30, 240);
      case 'assign': return between(3, 20);
      case 'start': return between(10, 45);
      case 'resolve': {
        const work = c.severity === 'big' ? between(600, 2880) : between(20, 240);
        // a stalled case sits for one and a half to two and a half simulated days: most go past due
        return c.fate === 'stall' ? work + between(36 * 60, 60 * 60) : work;
      }
      case 'verify': return between(20, 150);
      case 'close': return between(5, 40);
      case 'reply': return between(10, 60);
      case 'rating': return between(30, 240);
      case 'watch': return between(10, 30);
    }
  }

  private retryLater(c: Case, simNow: number, why: string): void {
    c.tries++;
    if (c.tries >= MAX_TRIES) {
      this.o.log(`  closed loop: leaving incident ${c.id} at ${c.status} after ${c.tries} failed attempts (${why})`);
      this.cases.delete(c.id);
      return;
    }
    c.nextAt = simNow + 10 * c.tries * MIN;
  }

  private absorb(dto: IncidentDto): void {
    const c = this.cases.get(dto.id);
    if (!c) return;
    c.version = dto.version;
    c.status = dto.status;
    c.assigneeId = dto.assigneeId;
    c.satisfaction = dto.satisfaction;
    c.hasReply = dto.reply != null;
    c.hasPlan = dto.plan != null;
    c.escalationLevel = dto.escalationLevel;
  }

  /** After a refusal: read the incident again and carry on from its current state. */
  private async reread(c: Case, simNow: number): Promise<void> {
    const res = await this.o.api.call<IncidentDto>('GET', `/api/incidents/${c.id}`);
    if (res.status !== 200) {
      this.cases.delete(c.id);
      return;
    }
    this.absorb(res.body);
    this.schedule(c, simNow);
  }

  private async escalate(c: Case, simNow: number): Promise<void> {
    const res = await this.o.api.call<IncidentDto>('POST', `/api/incidents/${c.id}/escalate`, {
      expectedVersion: c.version,
      reason: '逾期未办结，督办（模拟）',
    });
    if (res.status === 200) {
      this.summary.escalated++;
      this.absorb(res.body); // the pending step stays as it was; it will carry the new version
      return;
    }
    if (res.status === 409) this.summary.conflicts++;
    else this.summary.failures++;
    const keepStep = c.step;
    const keepAt = c.nextAt;
    const again = await this.o.api.call<IncidentDto>('GET', `/api/incidents/${c.id}`);
    if (again.status === 200) this.absorb(again.body);
    if (res.status !== 409) c.escalationLevel = Math.max(c.escalationLevel, 3); // do not insist on a refused escalation
    c.step = keepStep;
    c.nextAt = keepAt;
    if (again.status === 200 && !OPEN.includes(c.status)) this.schedule(c, simNow);
  }

  private async run(c: Case, step: Step, simNow: number): Promise<void> {
    const v = c.version;
    const post = (client: ApiClient, verb: string, body: Record<string, unknown>) =>
      client.call<IncidentDto>('POST', `/api/incidents/${c.id}/${verb}`, { expectedVersion: v, ...body });
    let res: { status: number; body: unknown };
    switch (step) {
      case 'accept':
        res = await post(this.o.api, 'accept', {});
        break;
      case 'reject':
        res = await post(this.o.api, 'reject', { reason: REJECT_REASONS[Math.floor(this.rand() * REJECT_REASONS.length)] });
        break;
      case 'plan':
        res = await post(this.o.api, 'plan', { plan: '成立专班，24小时内现场核查，分阶段处置并每日报告进展（模拟）' });
        break;
      case 'assign': {
        const cand = await this.o.api.call<CandidatesDto>('GET', `/api/incidents/${c.id}/candidates?limit=10&routes=0`);
        // the first available one as the recommendation ranks them (the grid's own worker first when on duty:
        // the simulated phones are grids' own workers, so their grids' cases reach them this way)
        const pick = cand.status === 200 ? cand.body.candidates.find((x) => x.available) : undefined;
        if (!pick) {
          this.summary.noCandidate++;
          this.retryLater(c, simNow + 20 * MIN, `no available candidate (${cand.status})`);
          return;
        }
        // assign with the version the candidate list was computed for when it is newer than ours
        res = await this.o.api.call<IncidentDto>('POST', `/api/incidents/${c.id}/assign`, {
          expectedVersion: Math.max(v, cand.body.incidentVersion), workerId: pick.personId,
        });
        break;
      }
      case 'start':
        res = await post(this.o.api, 'start', {});
        break;
      case 'resolve':
        res = await post(this.o.api, 'resolve', { note: '现场处置完成（模拟）' });
        break;
      case 'verify': {
        if (!this.o.verifier) return this.schedule(c, simNow);
        const fail = c.fate === 'rework' && !c.reworkedBySim;
        res = await post(this.o.verifier, 'verify', fail ? { passed: false, note: '现场复核未整改到位，需返工（模拟）' } : { passed: true });
        if (res.status === 200 && fail) c.reworkedBySim = true;
        break;
      }
      case 'close':
        res = await post(this.o.api, 'close', c.hasReply ? {} : { reply: REPLIES[Math.floor(this.rand() * REPLIES.length)] });
        break;
      case 'reply':
        res = await post(this.o.api, 'reply', { reply: '您的反映已收到，经核实不予受理，原因已告知，感谢理解。（模拟）' });
        break;
      case 'watch': {
        // the worker's phone moves the case; the desk only looks again later
        const seen = await this.o.api.call<IncidentDto>('GET', `/api/incidents/${c.id}`);
        if (seen.status === 200) this.absorb(seen.body);
        this.schedule(c, simNow);
        return;
      }
      case 'rating': {
        const closed = c.status === 'closed';
        const weights: Record<string, number> = closed ? { 5: 55, 4: 30, 3: 10, 2: 4, 1: 1 } : { 4: 20, 3: 40, 2: 30, 1: 10 };
        // a reworked case leaves the reporter a little less pleased
        const score = Math.max(1, Number(pickWeighted(weights, this.rand)) - (c.reworkedBySim && this.rand() < 0.5 ? 1 : 0));
        res = await post(this.o.api, 'rating', { satisfaction: score });
        break;
      }
    }
    if (res.status === 200) {
      const dto = res.body as IncidentDto;
      const from = c.status;
      this.absorb(dto);
      this.count(step, from, dto.status);
      if (step === 'assign' && dto.assigneeId != null && this.o.fieldWorkers?.has(dto.assigneeId)) this.summary.assignedToPhones++;
      this.schedule(c, simNow);
      return;
    }
    const code = errorCode(res.body);
    if (res.status === 409 && (code === 'STALE_VERSION' || code === 'ASSIGNMENT_CONFLICT')) {
      this.summary.conflicts++;
      await this.reread(c, simNow);
      return;
    }
    this.summary.failures++;
    if (res.status >= 500 || res.status === 429) {
      this.retryLater(c, simNow, `${step}: ${res.status} ${code ?? ''}`);
      return;
    }
    // 4xx (an illegal transition after someone else moved the case, a verifier who was its handler …):
    // re-read; if the same step comes out again it is retried a few times, then the case is left alone.
    const before = c.step;
    const tries = c.tries;
    await this.reread(c, simNow);
    if (this.cases.has(c.id) && c.step === before) {
      c.tries = tries;
      this.retryLater(c, simNow, `${step}: ${res.status} ${code ?? ''}`);
    }
  }

  private count(step: Step, from: IncidentStatus, to: IncidentStatus): void {
    const s = this.summary;
    switch (step) {
      case 'accept': s.accepted++; break;
      case 'reject': s.rejected++; break;
      case 'plan': s.planned++; break;
      case 'assign': s.assigned++; break;
      case 'start': s.started++; break;
      case 'resolve': s.resolved++; break;
      case 'verify': if (from === 'resolved' && to === 'in_progress') s.reworked++; else s.verified++; break;
      case 'close': s.closed++; break;
      case 'reply': s.replied++; break;
      case 'rating': s.rated++; break;
    }
  }
}
