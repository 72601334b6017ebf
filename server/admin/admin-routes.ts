// /api/admin: the administration console's API (issue 14).
//   accounts (admin only): list with search and paging, create, disable / enable, reset password, change role
//     and grid; the grids and people an account may be given. Every change is audited and ends the account's
//     sessions on every server process before the answer is sent (auth.endSessions).
//   rosters (admin only): a template per roster kind, a preview of an uploaded XLSX/CSV (every row created,
//     changed, unchanged or refused and why), and apply (server/admin/roster-import.ts).
//   audit log (admin and leader): page and filter, the list of actions, export as CSV or XLSX. There is no
//     route that changes or deletes audit rows.
// Mounted under /api/admin by server/app.ts; paths here are relative to it.
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
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
import { AppError } from '../../common/errors';
import { rosterKindParamsSchema, rosterQuerySchema, type RosterApplyAnswer } from '../../common/roster';
import { readSheet } from './roster-file';
import { applyRosterPlan, planRoster, rosterTemplate, ROSTER_TITLES } from './roster-import';

/** A roster of the street's 839 + 67 teams + 1,268 members fits well under this; a bigger file is refused. */
export const ROSTER_MAX_BYTES = 2 * 2 ** 20;
export const ROSTER_MAX_ROWS = 5000;
/** Roster imports run one at a time: two at once would both see a phone as new and create the person twice. */
const ROSTER_IMPORT_LOCK = 7_120_113_148;

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

  // --- rosters (名册导入) ----------------------------------------------------------------------------------
  // The sheet is the raw request body (XLSX or CSV bytes), read only up to the limit.
  const raw = express.raw({ type: () => true, limit: ROSTER_MAX_BYTES });
  const rosterBody: RequestHandler = (req, res, next) =>
    raw(req, res, (err?: unknown) => {
      if (err && (err as { type?: unknown }).type === 'entity.too.large') {
        return next(new AppError('ROSTER_FILE_TOO_LARGE', `the file is larger than ${ROSTER_MAX_BYTES / 2 ** 20} MB — split the roster into several files`, 'body', { limitBytes: ROSTER_MAX_BYTES }));
      }
      next(err);
    });
  const sheetOf = (req: Request) => readSheet(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), ROSTER_MAX_ROWS);

  r.get('/rosters/:kind/template', requireRole('admin'), async (req, res) => {
    const { kind } = parseOrThrow(rosterKindParamsSchema, req.params, 'params');
    const body = await rosterTemplate(db, kind);
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.attachment(`${ROSTER_TITLES[kind]}-模板.xlsx`).send(body);
  });

  r.post('/rosters/:kind/preview', requireRole('admin'), rosterBody, async (req, res) => {
    const { kind } = parseOrThrow(rosterKindParamsSchema, req.params, 'params');
    const { complete } = parseOrThrow(rosterQuerySchema, req.query, 'query');
    const { preview } = await planRoster(db, kind, await sheetOf(req), { complete: complete === '1' });
    res.set('Cache-Control', 'no-store');
    res.json(preview);
  });

  r.post('/rosters/:kind/apply', requireRole('admin'), rosterBody, async (req, res) => {
    const { kind } = parseOrThrow(rosterKindParamsSchema, req.params, 'params');
    const { complete } = parseOrThrow(rosterQuerySchema, req.query, 'query');
    const sheet = await sheetOf(req);
    const identity = getIdentity(req);
    const by = { actor: actorOf(identity), ip: req.ip ?? null };
    // planned again inside the transaction, so what is written is what the database holds at commit
    const { counts, effects } = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [ROSTER_IMPORT_LOCK]);
      const { preview, planned } = await planRoster(tx, kind, sheet, { complete: complete === '1' });
      if (preview.counts.refused > 0) {
        throw new AppError('ROSTER_HAS_REFUSALS', `${preview.counts.refused} row(s) of the sheet are refused — fix them in the file and upload it again; nothing was imported`, 'body', {
          counts: preview.counts,
          rows: preview.rows.filter((x) => x.status === 'refused').map((x) => x.row),
        });
      }
      const done = await applyRosterPlan(tx, planned, by, clock.now());
      const left = planned.filter((x) => x.status === 'leave').map((x) => x.personId);
      await audit(tx, { ...by, action: 'roster.import', entityType: 'people', detail: { kind, complete: complete === '1', ...preview.counts, left, disabledAccounts: done.disabledAccounts } });
      return { counts: preview.counts, effects: done };
    });
    // a stopped account's sessions end on every process, as when an administrator disables it
    const ended = await deps.sessions.endSessions(effects.endedSessionIds);
    const body: RosterApplyAnswer = { kind, counts, disabledAccounts: effects.disabledAccounts, sessionsEnded: ended.sessionsEnded };
    res.json(body);
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
