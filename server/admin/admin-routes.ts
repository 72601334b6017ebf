// /api/admin: the administration console's API (issue 14).
//   accounts (admin only): list with search and paging, create, disable / enable, reset password, change role
//     and grid; the grids and people an account may be given. Every change is audited and ends the account's
//     sessions on every server process before the answer is sent (auth.endSessions).
//   audit log (admin and leader): page and filter, the list of actions, export as CSV or XLSX. There is no
//     route that changes or deletes audit rows.
// Mounted under /api/admin by server/app.ts; paths here are relative to it.
import { Router, type Request, type Response } from 'express';
import type { Db } from '../db/db';
import type { Clock } from '../clock';
import { getIdentity, requireRole } from '../auth/identity';
import type { SessionRevoker } from '../auth/session-revocation';
import { parseOrThrow } from '../http/validate';
import { audit } from '../audit/audit';
import { actorOf } from '../auth/identity';
import {
  accountIdParamsSchema,
  accountListQuerySchema,
  auditExportQuerySchema,
  auditQuerySchema,
  changeRoleSchema,
  createAccountSchema,
  peopleQuerySchema,
  reasonSchema,
  type AccountChangeAnswer,
  type OneTimePasswordAnswer,
} from '../../common/admin';
import {
  changeAccountRole,
  createAccount,
  gridOptions,
  listAccounts,
  personOptions,
  resetAccountPassword,
  setAccountDisabled,
  type AccountActor,
  type AccountChange,
} from './account-service';
import { auditActions, auditRowsForExport, auditTable, pageAudit } from './audit-query';
import { toCsv, toXlsx } from '../insight/table-writers';

export interface AdminDeps {
  db: Db;
  clock: Clock;
  sessions: SessionRevoker;
}

/** Who reads the audit log: the administrators, and the street's leaders who oversee them. */
const AUDIT_READERS = ['admin', 'leader'] as const;

function actor(req: Request): AccountActor {
  return { identity: getIdentity(req), ip: req.ip ?? null };
}

function stamp(d: Date): string {
  return new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
}

export function adminRoutes(deps: AdminDeps): Router {
  const { db, clock } = deps;
  const r = Router();

  /** Ends the changed account's sessions everywhere, then answers (the order is the guarantee). */
  async function answerChange(res: Response, change: AccountChange, extra: { password?: string } = {}): Promise<void> {
    const ended = await deps.sessions.endSessions(change.endedSessionIds);
    res.set('Cache-Control', 'no-store');
    const body: AccountChangeAnswer | OneTimePasswordAnswer = { account: change.account, sessionsEnded: ended.sessionsEnded, ...extra };
    res.json(body);
  }

  // --- accounts ---------------------------------------------------------------------------------------
  r.get('/accounts', requireRole('admin'), async (req, res) => {
    const q = parseOrThrow(accountListQuerySchema, req.query, 'query');
    res.set('Cache-Control', 'no-store');
    res.json(await listAccounts(db, q, clock.now()));
  });

  r.post('/accounts', requireRole('admin'), async (req, res) => {
    const body = parseOrThrow(createAccountSchema, req.body, 'body');
    const created = await createAccount(db, actor(req), body, clock.now());
    res.status(201);
    await answerChange(res, created, { password: created.password });
  });

  r.post('/accounts/:id/disable', requireRole('admin'), async (req, res) => {
    const { id } = parseOrThrow(accountIdParamsSchema, req.params, 'params');
    const { reason } = parseOrThrow(reasonSchema, req.body, 'body');
    await answerChange(res, await setAccountDisabled(db, actor(req), id, true, reason, clock.now()));
  });

  r.post('/accounts/:id/enable', requireRole('admin'), async (req, res) => {
    const { id } = parseOrThrow(accountIdParamsSchema, req.params, 'params');
    const { reason } = parseOrThrow(reasonSchema, req.body, 'body');
    await answerChange(res, await setAccountDisabled(db, actor(req), id, false, reason, clock.now()));
  });

  r.post('/accounts/:id/reset-password', requireRole('admin'), async (req, res) => {
    const { id } = parseOrThrow(accountIdParamsSchema, req.params, 'params');
    const { reason } = parseOrThrow(reasonSchema, req.body, 'body');
    const change = await resetAccountPassword(db, actor(req), id, reason, clock.now());
    await answerChange(res, change, { password: change.password });
  });

  r.post('/accounts/:id/role', requireRole('admin'), async (req, res) => {
    const { id } = parseOrThrow(accountIdParamsSchema, req.params, 'params');
    const body = parseOrThrow(changeRoleSchema, req.body, 'body');
    await answerChange(res, await changeAccountRole(db, actor(req), id, body, clock.now()));
  });

  r.get('/grids', requireRole('admin'), async (_req, res) => {
    res.json({ grids: await gridOptions(db) });
  });

  r.get('/people', requireRole('admin'), async (req, res) => {
    const q = parseOrThrow(peopleQuerySchema, req.query, 'query');
    res.set('Cache-Control', 'no-store');
    res.json({ people: await personOptions(db, q.gridId) });
  });

  // --- audit log (read-only) ----------------------------------------------------------------------------
  r.get('/audit', requireRole(...AUDIT_READERS), async (req, res) => {
    const q = parseOrThrow(auditQuerySchema, req.query, 'query');
    res.set('Cache-Control', 'no-store');
    res.json(await pageAudit(db, q));
  });

  r.get('/audit/actions', requireRole(...AUDIT_READERS), async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json({ actions: await auditActions(db) });
  });

  r.get('/audit/export', requireRole(...AUDIT_READERS), async (req, res) => {
    const { format, ...filter } = parseOrThrow(auditExportQuerySchema, req.query, 'query');
    const rows = await auditRowsForExport(db, filter);
    const table = auditTable(rows);
    const now = clock.now();
    const body = format === 'xlsx' ? await toXlsx([table], { title: '审计日志 Audit log', created: now }) : toCsv(table);
    // reading the whole log out of the building is itself on the record (".export": an audited read)
    await audit(db, { actor: actorOf(getIdentity(req)), action: 'audit.export', entityType: 'audit_log', detail: { format, filter, rows: rows.length }, ip: req.ip ?? null });
    res.set('Cache-Control', 'no-store');
    if (format === 'xlsx') res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    else res.type('text/csv; charset=utf-8');
    res.attachment(`audit-log-${stamp(now)}.${format}`).send(body);
  });

  return r;
}
