// Open311 GeoReport v2 at /open311/v2, every resource in both formats (.json and .xml): discovery,
// services, services/<code> (definition), requests (list and create), requests/<id>.
//
// Who may call:
//   GET discovery, services…    public (the endpoint and category list are not personal).
//   GET requests…               keyless, as the spec allows: without a key or session only the public fields
//                               (no description, address or media; never reporter names or phones); with an
//                               api_key or a session of a dispatcher, admin or worker also the description
//                               and address; an api_key client only for the requests it filed itself
//                               (open311_client_requests, migration 155), public fields for the rest.
//   POST requests               an `api_key` of a registered client (table open311_clients; created by an admin
//                               with POST /api/open311/clients, shown once), or a signed-in session of a
//                               dispatcher, admin or worker (with the usual CSRF token on POST).
// POST is rate-limited per client and takes an optional Idempotency-Key header like /api/incidents.
// Errors use the spec's shape on every /open311 route — an array of {code, description} (in XML
// <errors><error>…) — plus our stable `error_code` and `field`.
import { createHash, randomBytes } from 'node:crypto';
import express, { Router, type ErrorRequestHandler, type Request } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { z } from 'zod';
import { AppError, isAppError } from '../../common/errors';
import { ReportIncidentSchema } from '../../common/incidents';
import { actorOf, getIdentity, requireRole } from '../auth/identity';
import { sessionMiddleware, csrfMiddleware } from '../auth/session-middleware';
import { audit } from '../audit/audit';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Db } from '../db/db';
import { fromDbError } from '../http/error-handler';
import { parseOrThrow } from '../http/validate';
import type { Logger } from '../logger';
import { INCIDENT_COLUMNS, type IncidentRow } from '../incidents/incident-row';
import type { CommandContext, IncidentService } from '../incidents/incident-service';
import { commandContext } from '../incidents/incident-routes';
import { formatOfPath, OPEN311_FORMATS, publicBase, sendOpen311, type Open311Format } from './open311-format';
import { open311ReaderScope, PUBLIC_SCOPE, scopeOf, type ScopePolicy } from '../auth/scope';
import {
  DEFAULT_WINDOW_DAYS,
  MAX_REQUESTS,
  OPEN311_CLOSED,
  Open311ListQuerySchema,
  Open311PostSchema,
  toOpen311Request,
  type Open311Request,
  type Open311Service,
} from './open311-mapping';

export interface Open311Deps {
  db: Db;
  service: IncidentService;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** POSTs per client per minute. */
  postsPerMinute?: number;
}

const SESSION_ROLES = ['dispatcher', 'admin', 'worker'] as const;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Registers a client and returns its key (shown once; only the hash is stored). */
export async function createOpen311Client(db: Db, name: string): Promise<{ id: number; name: string; apiKey: string }> {
  const apiKey = `o311_${randomBytes(24).toString('base64url')}`;
  const res = await db.query<{ id: number }>('INSERT INTO open311_clients (name, key_hash) VALUES ($1, $2) RETURNING id', [name, hashApiKey(apiKey)]);
  return { id: res.rows[0].id, name, apiKey };
}

async function categoryNames(db: Db): Promise<Map<string, { zh: string; en: string }>> {
  const res = await db.query<{ code: string; name_zh: string; name_en: string }>('SELECT code, name_zh, name_en FROM incident_categories ORDER BY code');
  return new Map(res.rows.map((r) => [r.code, { zh: r.name_zh, en: r.name_en }]));
}

export function open311Routes(deps: Open311Deps): Router {
  const { db, service, clock } = deps;
  const r = Router();
  const authCtx = { db, config: deps.config, clock };
  r.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 100 }));
  r.use(sessionMiddleware(authCtx), csrfMiddleware(authCtx));

  /** The format a route was called with; anything but json/xml is a spec-shaped 404. */
  const formatOf = (req: Request): Open311Format => {
    const f = String(req.params.format ?? '');
    if (!(OPEN311_FORMATS as readonly string[]).includes(f)) throw new AppError('NOT_FOUND', `format "${f}" is not offered: use .json or .xml`, 'format');
    return f as Open311Format;
  };
  /** A reader with no key and no session: allowed for GET requests (spec), public fields only. */
  const anonymous = (req: Request) => !req.identity && !((req.body as Record<string, unknown> | undefined)?.api_key ?? req.query.api_key);

  /** The registered client behind the request's api_key (401 without one, 403 for an unknown or disabled key). */
  async function apiClient(req: Request): Promise<{ id: number; name: string }> {
    const raw: unknown = (req.body as Record<string, unknown> | undefined)?.api_key ?? req.query.api_key;
    if (typeof raw !== 'string' || raw.length === 0) throw new AppError('UNAUTHENTICATED', 'send an api_key (or sign in)', 'api_key');
    const found = await db.query<{ id: number; name: string }>('SELECT id, name FROM open311_clients WHERE key_hash = $1 AND NOT disabled', [hashApiKey(raw)]);
    const client = found.rows[0];
    if (!client) throw new AppError('FORBIDDEN', 'invalid api_key', 'api_key');
    return { id: Number(client.id), name: client.name };
  }

  /** A session's role must be one of SESSION_ROLES to use Open311 at all. */
  function assertSessionRole(req: Request): void {
    if (req.identity && !(SESSION_ROLES as readonly string[]).includes(req.identity.role)) {
      throw new AppError('FORBIDDEN', `role "${req.identity.role}" may not use Open311; allowed: ${SESSION_ROLES.join(', ')}`);
    }
  }

  /**
   * What the reader may see (server/auth/scope.ts): a session's own scope, a registered client's scope (its
   * own requests in full, the public fields of the rest) or the keyless reader's (public fields only).
   */
  async function readerScope(req: Request): Promise<ScopePolicy> {
    if (req.identity) {
      assertSessionRole(req);
      return scopeOf(req);
    }
    if (anonymous(req)) return PUBLIC_SCOPE;
    return open311ReaderScope((await apiClient(req)).id);
  }

  /** The caller as a command context: a session of an allowed role, or a registered api_key. */
  async function caller(req: Request): Promise<CommandContext> {
    if (req.identity) {
      assertSessionRole(req);
      return { ...commandContext(req), source: 'open311' };
    }
    const client = await apiClient(req);
    const key = req.get('idempotency-key');
    if (key !== undefined && !/^[\x21-\x7e]{8,200}$/.test(key)) {
      throw new AppError('VALIDATION_ERROR', 'header Idempotency-Key: 8–200 printable ASCII characters without spaces', 'header.idempotency-key');
    }
    return {
      actor: `open311:${client.name}`, role: null, personId: null, idempotencyKey: key, source: 'open311', ip: req.ip ?? null,
      // The request's owner commits with it: the client reads its own requests in full (migration 155).
      afterInsert: async (tx, row) => {
        await tx.query('INSERT INTO open311_client_requests (incident_id, client_id) VALUES ($1, $2)', [row.id, client.id]);
      },
    };
  }

  r.get('/discovery.:format', (req, res) => {
    const format = formatOf(req);
    const changeset = '2026-12-06T00:00:00Z';
    sendOpen311(res, format, 'discovery', {
      changeset,
      contact: 'the street office operating this server (网格指挥中心)',
      key_service: `${publicBase(req, deps.config.PUBLIC_ORIGIN)}/admin (an administrator registers a client: POST /api/open311/clients)`,
      endpoints: [{
        specification: 'http://wiki.open311.org/GeoReport_v2',
        url: `${publicBase(req, deps.config.PUBLIC_ORIGIN)}/open311/v2`,
        changeset,
        type: 'production',
        formats: ['text/xml', 'application/json'],
      }],
    });
  });

  r.get('/services/:code.:format', async (req, res) => {
    const format = formatOf(req);
    const names = await categoryNames(db);
    if (!names.has(req.params.code)) throw new AppError('NOT_FOUND', `no service "${req.params.code}"; see services.${format}`, 'service_code');
    // Our services take no extra attributes (metadata false): the definition lists none.
    sendOpen311(res, format, 'service_definition', { service_code: req.params.code, attributes: [] });
  });

  r.get('/services.:format', async (req, res) => {
    const format = formatOf(req);
    const names = await categoryNames(db);
    const services: Open311Service[] = [...names].map(([code, n]) => ({
      service_code: code,
      service_name: n.zh,
      description: n.en,
      metadata: false,
      type: 'realtime',
      keywords: '',
      group: '网格事件',
    }));
    sendOpen311(res, format, 'services', services);
  });

  r.get('/requests.:format', async (req, res) => {
    const format = formatOf(req);
    const q = parseOrThrow(Open311ListQuerySchema, req.query, 'query');
    const scope = await readerScope(req);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (n: number) => string, v: unknown) => {
      params.push(v);
      where.push(sql(params.length));
    };
    if (q.service_request_id) {
      // The spec: when ids are given, every other filter is ignored.
      add((n) => `i.id = ANY($${n}::bigint[])`, q.service_request_id.map(Number));
    } else {
      const end = q.end_date ? new Date(q.end_date) : clock.now();
      const start = q.start_date ? new Date(q.start_date) : new Date(end.getTime() - DEFAULT_WINDOW_DAYS * 86_400_000);
      add((n) => `i.reported_at >= $${n}`, start.toISOString());
      add((n) => `i.reported_at <= $${n}`, end.toISOString());
      if (q.service_code) add((n) => `i.category = ANY($${n}::text[])`, q.service_code);
      if (q.status && q.status.length === 1) {
        add((n) => `${q.status?.[0] === 'closed' ? '' : 'NOT '}(i.status = ANY($${n}::text[]))`, OPEN311_CLOSED);
      }
    }
    const rows = await readRequests(db, scope, where, params, `ORDER BY i.reported_at DESC, i.id DESC LIMIT ${MAX_REQUESTS}`);
    const names = await categoryNames(db);
    sendOpen311(res, format, 'service_requests', rows.map((row) => shown(toOpen311Request(row, names.get(row.category)?.zh ?? row.category), !row.full)));
  });

  r.get('/requests/:file', async (req, res) => {
    const m = /^([1-9][0-9]{0,15})\.(json|xml)$/.exec(req.params.file);
    if (!m) throw new AppError('NOT_FOUND', 'use /requests/<service_request_id>.json or .xml', 'service_request_id');
    const format = m[2] as Open311Format;
    const scope = await readerScope(req);
    const [row] = await readRequests(db, scope, ['i.id = $1'], [Number(m[1])], '');
    // Another grid's request answers a worker's session as one that does not exist.
    if (!row) throw new AppError('NOT_FOUND', `no service request ${m[1]}`, 'service_request_id');
    const names = await categoryNames(db);
    sendOpen311(res, format, 'service_requests', [shown(toOpen311Request(row, names.get(row.category)?.zh ?? row.category), !row.full)]);
  });

  const limiter = rateLimit({
    windowMs: 60_000,
    limit: deps.postsPerMinute ?? 120,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => {
      const key = (req.body as Record<string, unknown> | undefined)?.api_key;
      return typeof key === 'string' ? `k:${hashApiKey(key)}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
    },
    handler: (_req, _res, next) => next(new AppError('RATE_LIMITED', 'too many service requests from this client; wait a minute')),
  });

  r.post('/requests.:format', limiter, async (req, res) => {
    const format = formatOf(req);
    const post = parseOrThrow(Open311PostSchema, req.body ?? {}, 'body');
    const ctx = await caller(req);
    const names = await categoryNames(db);
    const cat = names.get(post.service_code);
    if (!cat) throw new AppError('VALIDATION_ERROR', `unknown service_code "${post.service_code}"; see services.json`, 'service_code');
    const reporterName = [post.last_name, post.first_name].filter(Boolean).join('') || undefined;
    const description = post.description ?? '';
    const report = parseOrThrow(
      ReportIncidentSchema,
      {
        category: post.service_code,
        severity: 'small',
        title: description.trim().slice(0, 60) || cat.zh,
        description,
        ...(post.address_string ? { address: post.address_string } : {}),
        location: post.location,
        ...(reporterName ? { reporterName } : {}),
        ...(post.phone ? { reporterPhone: post.phone } : {}),
      },
      'body',
    );
    const result = await service.reportIncident(ctx, report);
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    sendOpen311(res, format, 'service_requests', [{ service_request_id: String(result.body.id), service_notice: '', account_id: null }], 201);
  });

  // Anything else under /open311/v2 answers in the spec's error shape too.
  r.use((req, _res, next) => next(new AppError('NOT_FOUND', `no Open311 resource ${req.method} ${req.path}; see discovery.json`)));
  r.use(open311Errors(deps.logger));
  return r;
}

/**
 * The requests matching `where` (conditions over alias `i` with `params`) that `scope` lists, each with
 * `full`: whether the reader sees its description, address and media. The only read of Open311 requests,
 * and it cannot be called without a scope.
 */
async function readRequests(db: Db, scope: ScopePolicy, where: readonly string[], params: unknown[], tail: string): Promise<(IncidentRow & { full: boolean })[]> {
  const p = [...params];
  const param = (v: unknown) => `$${p.push(v)}`;
  const listed = scope.publicCases('i', param);
  const full = scope.cases('i', param);
  const rows = await db.query<IncidentRow & { open311_full: boolean }>(
    `SELECT ${INCIDENT_COLUMNS}, (${full}) AS open311_full FROM incidents i WHERE ${[...where, listed].join(' AND ')} ${tail}`,
    p,
  );
  return rows.rows.map((r) => ({ ...r, full: Boolean(r.open311_full) }));
}

/** A keyless reader sees the public fields only (the spec lets a server omit description, address, media). */
function shown(req: Open311Request, publicOnly: boolean): Open311Request {
  return publicOnly ? { ...req, description: '', address: '', address_id: '', media_url: '' } : req;
}

/** Spec-shaped 404 for any /open311 path outside the v2 router (mounted after it). */
export function open311NotFound(logger: Logger): Router {
  const r = Router();
  r.use((req, _res, next) => next(new AppError('NOT_FOUND', `no Open311 resource ${req.method} ${req.originalUrl.split('?')[0]}; this server offers GeoReport v2 at /open311/v2 (see /open311/v2/discovery.json)`)));
  r.use(open311Errors(logger));
  return r;
}

/** Spec-shaped errors: [{ code: <HTTP status>, description }], plus our stable code and field. */
function open311Errors(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e = isAppError(err) ? err : fromDbError(err);
    if (!e) {
      const type = (err as { type?: unknown }).type;
      if (type === 'entity.parse.failed') e = new AppError('INVALID_JSON', 'the request body is not valid JSON', 'body');
      else if (type === 'entity.too.large') e = new AppError('PAYLOAD_TOO_LARGE', 'the request body is larger than the limit', 'body');
    }
    if (!e) {
      logger.error({ err, url: req.originalUrl }, 'open311 error');
      e = new AppError('INTERNAL', 'internal error; it has been logged');
    }
    sendOpen311(res, formatOfPath(req.path), 'errors', [{ code: e.status, description: e.message, error_code: e.code, ...(e.field ? { field: e.field } : {}) }], e.status);
  };
}

const ClientSchema = z.object({ name: z.string().regex(/^[a-z0-9_.-]{2,64}$/, '2–64 of a-z 0-9 _ . -') }).strict();

/** Admin: register an Open311 client (POST /api/open311/clients → the api_key, shown once). */
export function open311AdminRoutes(db: Db): Router {
  const r = Router();
  r.post('/open311/clients', requireRole('admin'), async (req, res) => {
    const { name } = parseOrThrow(ClientSchema, req.body, 'body');
    const exists = await db.query('SELECT 1 FROM open311_clients WHERE name = $1', [name]);
    if (exists.rowCount > 0) throw new AppError('VALIDATION_ERROR', `an Open311 client named "${name}" exists`, 'body.name');
    const created = await createOpen311Client(db, name);
    await audit(db, { actor: actorOf(getIdentity(req)), action: 'open311.client_create', entityType: 'open311_client', entityId: created.id, ip: req.ip });
    res.status(201).json(created);
  });
  return r;
}
