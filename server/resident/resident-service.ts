// Residents report and hear back (issue 13 item 5). A report from the public page becomes an ordinary
// incident (source 'resident') through the same incident service as every other report — point-in-polygon
// routing, due time, event row, audit row, push — plus, in the same transaction, the resident_reports row
// that ties the tracking code (stored as its SHA-256 only) to the incident.
//
// Order of the checks on a new report, cheapest and least destructive first: the schema (route), the
// solution's hash against the difficulty (one SHA-256, no database), the street (a read), the rate limits
// (a read), then the challenge is used up, and the limits are checked again, exactly, inside the report's
// transaction. So a report from outside the street or over the limit does not cost the resident a puzzle.
import { createHash } from 'node:crypto';
import { AppError } from '../../common/errors';
import { leadingZeroBits, powInput } from '../../common/pow';
import {
  formatTrackingCode,
  normalizeTrackingCode,
  type ChallengeDto,
  type PublicStatus,
  type ResidentRatingCommand,
  type ResidentReportCommand,
  type ResidentReportCreatedDto,
  type TrackingDto,
  type TrackingStep,
} from '../../common/resident';
import type { IncidentCategory, IncidentStatus } from '../../common/domain';
import type { Clock } from '../clock';
import type { Db, Queryable } from '../db/db';
import type { CommandContext, IncidentService } from '../incidents/incident-service';
import { locatePoints, requireInside } from '../incidents/jurisdiction';
import { hashKeyOf, keyedHash, newTrackingCode, sha256Hex } from './resident-hashing';
import { consumeChallenge, issueChallenge, type PowOptions } from './pow-challenges';
import { checkReportLimits, DEFAULT_REPORT_LIMITS, type ReportLimits } from './report-limits';

export interface ResidentOptions {
  pow: PowOptions;
  limits: ReportLimits;
}

export const DEFAULT_POW: PowOptions = { difficulty: 17, ttlMs: 10 * 60_000, perAddress: 30, windowMs: 10 * 60_000 };

/** Where a request comes from: the client address (req.ip) and the device id the page keeps in localStorage. */
export interface Origin {
  address: string;
  deviceId?: string;
}

/** Title for the desk and the wall: the first line of the description, at most 40 characters. */
export function titleFrom(description: string): string {
  const first = description.split(/\r?\n/).find((l) => l.trim().length > 0)?.trim() ?? description.trim();
  const chars = Array.from(first);
  return chars.length > 40 ? `${chars.slice(0, 39).join('')}…` : first;
}

const STEP_OF_EVENT: Readonly<Record<string, PublicStatus>> = {
  'incident.reported': 'received',
  'incident.accepted': 'accepted',
  'incident.assigned': 'accepted',
  'incident.started': 'in_progress',
  'incident.reworked': 'in_progress',
  'incident.resolved': 'resolved',
  'incident.verified': 'resolved',
  'incident.closed': 'closed',
  'incident.rejected': 'not_accepted',
  'incident.reopened': 'accepted',
};

export function publicStatus(status: IncidentStatus): PublicStatus {
  switch (status) {
    case 'reported':
      return 'received';
    case 'accepted':
    case 'assigned':
      return 'accepted';
    case 'in_progress':
      return 'in_progress';
    case 'resolved':
    case 'verified':
      return 'resolved';
    case 'closed':
      return 'closed';
    case 'rejected':
      return 'not_accepted';
  }
}

interface TrackedRow {
  incident_id: number;
  status: IncidentStatus;
  category: IncidentCategory;
  reported_at: Date | string;
  reply: string | null;
  replied_at: Date | string | null;
  satisfaction: number | null;
  community_name: string | null;
}

const iso = (t: Date | string | null) => (t == null ? null : new Date(t).toISOString());

export function createResidentService(deps: { db: Db; clock: Clock; incidents: IncidentService; options?: Partial<ResidentOptions> }) {
  const { db, clock, incidents } = deps;
  const opts: ResidentOptions = { pow: deps.options?.pow ?? DEFAULT_POW, limits: deps.options?.limits ?? DEFAULT_REPORT_LIMITS };

  async function hashes(origin: Origin) {
    const key = await hashKeyOf(db);
    return {
      address: keyedHash(key, 'address', origin.address),
      device: origin.deviceId === undefined ? null : keyedHash(key, 'device', origin.deviceId),
    };
  }

  async function challenge(origin: Origin): Promise<ChallengeDto> {
    const h = await hashes(origin);
    return db.transaction((tx) => issueChallenge(tx, h.address, clock.now(), opts.pow));
  }

  async function report(origin: Origin, cmd: ResidentReportCommand): Promise<ResidentReportCreatedDto> {
    const h = await hashes(origin);
    if (h.device === null) throw new AppError('VALIDATION_ERROR', 'header X-Device-Id is required (the report page sends it)', 'header.x-device-id');
    const deviceHash = h.device;
    const bits = leadingZeroBits(createHash('sha256').update(powInput(cmd.challenge, cmd.nonce)).digest());
    if (bits < opts.pow.difficulty) {
      throw new AppError('POW_FAILED', `the nonce does not solve the challenge (needs ${opts.pow.difficulty} leading zero bits, has ${bits}); solve it again`, 'body.nonce', {
        reason: 'insufficient',
      });
    }
    requireInside(await locatePoints(db, [cmd.location]), [cmd.location], () => 'body.location');
    await checkReportLimits(db, h.address, deviceHash, clock.now(), opts.limits);
    await consumeChallenge(db, cmd.challenge, cmd.nonce, clock.now(), opts.pow.difficulty);

    const code = newTrackingCode();
    const codeHash = sha256Hex(code);
    const ctx: CommandContext = {
      // Pseudonymous actor: ties the audit trail to the report without naming the resident or their address.
      actor: `resident:${codeHash.slice(0, 12)}`,
      role: null,
      personId: null,
      source: 'resident',
      ip: `hash:${h.address.slice(0, 16)}`,
      afterInsert: async (tx: Queryable, row) => {
        const now = clock.now();
        await checkReportLimits(tx, h.address, deviceHash, now, opts.limits, true);
        await tx.query(
          'INSERT INTO resident_reports (code_hash, incident_id, address_hash, device_hash, created_at) VALUES ($1, $2, $3, $4, $5)',
          [codeHash, row.id, h.address, deviceHash, now.toISOString()],
        );
      },
    };
    await incidents.reportIncident(ctx, {
      category: cmd.category,
      severity: 'small',
      title: titleFrom(cmd.description),
      description: cmd.description,
      address: cmd.address,
      location: cmd.location,
      reporterPhone: cmd.phone,
    });
    return { code: formatTrackingCode(code), trackingPath: `/report/${code}`, status: 'received' };
  }

  /** The report behind a code, or NOT_FOUND (a malformed code and an unknown one answer alike). */
  async function find(q: Queryable, rawCode: string): Promise<{ code: string; codeHash: string; row: TrackedRow }> {
    const code = normalizeTrackingCode(rawCode);
    const notFound = new AppError('NOT_FOUND', 'no report with this tracking code; check the code (10 letters and digits)', 'params.code');
    if (!code) throw notFound;
    const codeHash = sha256Hex(code);
    const res = await q.query<TrackedRow>(
      `SELECT r.incident_id, i.status, i.category, i.reported_at, i.reply, i.replied_at, i.satisfaction, c.name AS community_name
         FROM resident_reports r
         JOIN incidents i ON i.id = r.incident_id
         LEFT JOIN communities c ON c.id = i.community_id
        WHERE r.code_hash = $1`,
      [codeHash],
    );
    const row = res.rows[0];
    if (!row) throw notFound;
    return { code, codeHash, row };
  }

  async function track(rawCode: string): Promise<TrackingDto> {
    const { code, row } = await find(db, rawCode);
    const ev = await db.query<{ type: string; at: Date | string }>(
      `SELECT type, at FROM events WHERE entity_type = 'incident' AND entity_id = $1 ORDER BY id`,
      [String(row.incident_id)],
    );
    const steps: TrackingStep[] = [];
    for (const e of ev.rows) {
      const status = STEP_OF_EVENT[e.type];
      if (status === undefined || steps.at(-1)?.status === status) continue;
      steps.push({ status, at: iso(e.at) ?? '' });
    }
    const status = publicStatus(row.status);
    const photos = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incident_photos WHERE incident_id = $1 AND kind = 'report'`, [row.incident_id]);
    return {
      code: formatTrackingCode(code),
      category: row.category,
      status,
      reportedAt: iso(row.reported_at) ?? '',
      communityName: row.community_name,
      steps,
      reply: row.reply,
      repliedAt: iso(row.replied_at),
      satisfaction: row.satisfaction,
      canRate: row.status === 'closed' && row.satisfaction == null,
      photoCount: Number(photos.rows[0].n),
    };
  }

  /** 满意度评价: once, after the case is closed (the incident service refuses a second rating). */
  async function rate(rawCode: string, cmd: ResidentRatingCommand): Promise<TrackingDto> {
    const { codeHash, row } = await find(db, rawCode);
    if (row.status !== 'closed') {
      throw new AppError('INVALID_TRANSITION', 'this report can be rated once it is closed (已办结); please come back later', 'body.satisfaction', {
        status: publicStatus(row.status),
      });
    }
    const already = new AppError('INVALID_TRANSITION', 'this report has already been rated; a report is rated once', 'body.satisfaction');
    if (row.satisfaction != null) throw already;
    try {
      await incidents.rate({ actor: `resident:${codeHash.slice(0, 12)}`, role: null, personId: null, source: 'resident' }, row.incident_id, {
        satisfaction: cmd.satisfaction,
      });
    } catch (err) {
      // The desk's errors name the internal case and may carry the whole incident (a lost race answers with
      // its current state): none of that is for the public. Keep the code, say it in public words.
      if (err instanceof AppError && (err.code === 'INVALID_TRANSITION' || err.code === 'STALE_VERSION')) throw already;
      throw err;
    }
    return track(rawCode);
  }

  return { challenge, report, track, rate, find, options: opts };
}

export type ResidentService = ReturnType<typeof createResidentService>;
