// /api/auth/tokens: a signed-in user creates, lists and revokes personal access tokens for desktop GIS
// clients (server/auth/api-tokens.ts). Managing tokens needs the browser session itself: a token cannot
// mint or list tokens. Creating and revoking are audited.
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../../common/errors';
import { parseOrThrow } from '../http/validate';
import { audit } from '../audit/audit';
import { actorOf, getIdentity, requireRole, type Identity } from './identity';
import type { AuthContext } from './session-middleware';
import {
  API_TOKEN_DEFAULT_DAYS,
  API_TOKEN_MAX_ACTIVE,
  API_TOKEN_MAX_DAYS,
  API_TOKEN_ROLES,
  activeTokenCount,
  createApiToken,
  listApiTokens,
  revokeApiToken,
} from './api-tokens';

const CreateBody = z
  .object({
    name: z.string().trim().min(1, 'name the token (e.g. "QGIS 规划科 笔记本")').max(80, 'name: at most 80 characters'),
    expiresInDays: z
      .number()
      .int('expiresInDays must be a whole number of days')
      .min(1, `expiresInDays must be 1..${API_TOKEN_MAX_DAYS}`)
      .max(API_TOKEN_MAX_DAYS, `expiresInDays must be 1..${API_TOKEN_MAX_DAYS}`)
      .default(API_TOKEN_DEFAULT_DAYS),
  })
  .strict();
const IdParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,9}$/, 'id must be a positive integer').transform(Number) }).strict();
const ListQuery = z.object({}).strict();

/** Only a browser session manages tokens (a stolen token cannot make itself permanent). */
function sessionIdentity(req: Request): Identity {
  const identity = getIdentity(req);
  if (!req.authSession) throw new AppError('FORBIDDEN', 'manage access tokens from a signed-in browser session, not with a token');
  return identity;
}

export function apiTokenRoutes(ctx: AuthContext): Router {
  const r = Router();
  const allowed = requireRole(...API_TOKEN_ROLES);
  // Mounted before the app's JSON parser: every method here gets a small one (a DELETE with a body of
  // garbage is 400 INVALID_JSON, a huge one 413, like every other write route).
  r.use(express.json({ limit: '4kb' }));

  r.post('/', allowed, async (req, res) => {
    const identity = sessionIdentity(req);
    const body = parseOrThrow(CreateBody, req.body ?? {}, 'body');
    const now = ctx.clock.now();
    const created = await ctx.db.transaction(async (tx) => {
      if ((await activeTokenCount(tx, identity.userId, now)) >= API_TOKEN_MAX_ACTIVE) {
        throw new AppError('VALIDATION_ERROR', `you already have ${API_TOKEN_MAX_ACTIVE} active tokens: revoke one you no longer use first`, 'body');
      }
      const t = await createApiToken(tx, { id: identity.userId, username: identity.username }, body.name, body.expiresInDays, now);
      await audit(tx, {
        actor: actorOf(identity),
        action: 'auth.api_token_created',
        entityType: 'api_token',
        entityId: t.id,
        detail: { name: t.name, expiresAt: t.expiresAt },
        ip: req.ip,
      });
      return t;
    });
    res.set('Cache-Control', 'no-store');
    res.status(201).json(created);
  });

  // Own tokens; an admin sees every user's (to revoke a lost laptop's token).
  r.get('/', allowed, async (req, res) => {
    const identity = sessionIdentity(req);
    parseOrThrow(ListQuery, req.query, 'query');
    res.set('Cache-Control', 'no-store');
    res.json({ tokens: await listApiTokens(ctx.db, identity.role === 'admin' ? null : identity.userId) });
  });

  r.delete('/:id', allowed, async (req, res) => {
    const identity = sessionIdentity(req);
    const { id } = parseOrThrow(IdParams, { ...req.params }, 'params');
    const revoked = await ctx.db.transaction(async (tx) => {
      const t = await revokeApiToken(tx, id, identity.userId, identity.role === 'admin', ctx.clock.now());
      if (!t) return undefined;
      await audit(tx, { actor: actorOf(identity), action: 'auth.api_token_revoked', entityType: 'api_token', entityId: t.id, detail: { owner: t.username, name: t.name }, ip: req.ip });
      return t;
    });
    if (!revoked) throw new AppError('NOT_FOUND', `you have no access token ${id}`, 'params.id');
    res.json(revoked);
  });
  return r;
}
