// Public routes of the resident report page (no account) under /api/public, and the dispatcher's spam
// button. Every public route is declared with publicRoute(why) so the route-permission test knows it is
// public on purpose. Writes still pass the app's Origin check (csrfMiddleware): a foreign site cannot post
// reports from its visitors' browsers.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { AppError } from '../../common/errors';
import { ChallengeRequestSchema, PUBLIC_JSON_LIMIT_BYTES, ResidentRatingSchema, ResidentReportSchema, SpamSchema } from '../../common/resident';
import { publicRoute } from '../auth/route-policy';
import { requireRole } from '../auth/identity';
import { parseOrThrow } from '../http/validate';
import { commandContext, sendResult } from '../incidents/incident-routes';
import type { IncidentService } from '../incidents/incident-service';
import type { ResidentService, Origin } from './resident-service';

/** The page keeps a random id per browser (localStorage); it only keys the per-device limit. */
const DeviceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, '16–64 characters A–Z, a–z, 0–9, _ or -');
const CodeParamsSchema = z.object({ code: z.string().max(40, 'a tracking code has 10 characters') }).strict();
const IdParamsSchema = z.object({ id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'an incident id is a positive whole number').transform(Number) }).strict();
const NoQuerySchema = z.object({}).strict();

/** JSON parser for /api/public: mounted before the app's 1 MB parser, so public bodies stop at 16 KB. */
export function publicJsonParser() {
  return express.json({ limit: PUBLIC_JSON_LIMIT_BYTES });
}

function originOf(req: Request): Origin {
  const raw = req.get('x-device-id');
  let deviceId: string | undefined;
  if (raw !== undefined) {
    const parsed = DeviceIdSchema.safeParse(raw);
    if (!parsed.success) throw new AppError('VALIDATION_ERROR', `header X-Device-Id: ${parsed.error.issues[0].message}`, 'header.x-device-id');
    deviceId = parsed.data;
  }
  return { address: req.ip ?? 'unknown', deviceId };
}

/** 429s say when to come back (Retry-After), as RFC 6585 suggests. */
function retryAfter(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (err instanceof AppError && err.code === 'RATE_LIMITED') {
    const s = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (s) res.set('Retry-After', String(s));
  }
  next(err);
}

export function residentRoutes(deps: { residents: ResidentService; incidents: IncidentService }): Router {
  const { residents, incidents } = deps;
  const r = Router();
  const noStore = (res: Response) => res.set('Cache-Control', 'no-store');

  // Reading a tracking page: bounded per address so 50-bit codes cannot be walked (in memory per process;
  // the codes' size is the real defence, this only slows a walk down).
  const trackingLimiter = rateLimit({
    windowMs: 60_000,
    limit: 60,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new AppError('RATE_LIMITED', 'too many look-ups from this address; wait a minute')),
  });

  r.post('/api/public/challenges', publicRoute('a proof-of-work challenge for the public report page (per-address limit)'), async (req, res) => {
    parseOrThrow(ChallengeRequestSchema, req.body ?? {}, 'body');
    noStore(res);
    res.status(201).json(await residents.challenge(originOf(req)));
  });

  r.post('/api/public/reports', publicRoute('a resident reports a problem (proof of work, per-address and per-device limits)'), async (req, res) => {
    const origin = originOf(req);
    const body = parseOrThrow(ResidentReportSchema, req.body, 'body');
    noStore(res);
    res.status(201).json(await residents.report(origin, body));
  });

  r.get('/api/public/reports/:code', publicRoute('the tracking page: status and public reply, no personal data'), trackingLimiter, async (req, res) => {
    parseOrThrow(NoQuerySchema, req.query, 'query');
    const { code } = parseOrThrow(CodeParamsSchema, req.params, 'params');
    noStore(res);
    res.json(await residents.track(code));
  });

  r.post('/api/public/reports/:code/rating', publicRoute('the resident rates the outcome once, after closing'), trackingLimiter, async (req, res) => {
    const { code } = parseOrThrow(CodeParamsSchema, req.params, 'params');
    const body = parseOrThrow(ResidentRatingSchema, req.body, 'body');
    noStore(res);
    res.json(await residents.rate(code, body));
  });

  r.post('/api/incidents/:id/spam', requireRole('dispatcher', 'admin'), async (req, res) => {
    const ctx = commandContext(req);
    const { id } = parseOrThrow(IdParamsSchema, req.params, 'params');
    sendResult(res, await incidents.markSpam(ctx, id, parseOrThrow(SpamSchema, req.body ?? {}, 'body')));
  });

  r.use(retryAfter);
  return r;
}
