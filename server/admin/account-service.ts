// Accounts of the street's staff: list, create, disable / re-enable, reset a password, change role and grid.
// Every change runs in one transaction with its audit row and the deletion of the account's sessions; the
// caller ends those sessions in every process's memory after the commit (server/auth/session-revocation.ts).
//
// Rules that keep the street administrable:
// - an administrator may not disable, demote or reset their own account (OWN_ACCOUNT): another admin must;
// - no change may leave no enabled admin (LAST_ADMIN). The enabled admins are locked (FOR UPDATE) for the
//   length of the change, so two admins disabling each other at the same moment cannot both succeed;
// - the acting admin must still be an enabled admin inside that lock (a request that was in flight when its
//   author was disabled does not go through).
import type { Db, Queryable } from '../db/db';
import type { Identity } from '../auth/identity';
import { actorOf } from '../auth/identity';
import { AppError } from '../../common/errors';
import type { UserRole } from '../../common/domain';
import { hashPassword } from '../auth/passwords';
import { deleteUserSessions } from '../auth/sessions';
import { audit } from '../audit/audit';
import { sqlState } from '../db/db';
import type { AccountDto, AccountListQuery, AccountPage, ChangeRoleBody, CreateAccountBody, GridOption, PersonOption } from '../../common/admin';
import { generateOneTimePassword } from './one-time-password';

/** Who is acting and from where (the request's address goes into every audit row). */
export interface AccountActor {
  identity: Identity;
  ip: string | null;
}

export interface AccountChange {
  account: AccountDto;
  /** Ids of the sessions deleted by the change: end them in memory everywhere after the commit. */
  endedSessionIds: string[];
}

export interface PasswordChange extends AccountChange {
  password: string;
}

interface AccountRow {
  id: number;
  username: string;
  display_name: string;
  role: UserRole;
  scope_grid_id: number | null;
  grid_name: string | null;
  person_id: number | null;
  person_name: string | null;
  disabled: boolean;
  created_at: Date | string;
  last_login_at: Date | string | null;
  active_sessions: number | string;
}

const iso = (d: Date | string | null): string | null => (d == null ? null : new Date(d).toISOString());

function toDto(r: AccountRow): AccountDto {
  return {
    id: Number(r.id),
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    scopeGridId: r.scope_grid_id == null ? null : Number(r.scope_grid_id),
    scopeGridName: r.grid_name,
    personId: r.person_id == null ? null : Number(r.person_id),
    personName: r.person_name,
    disabled: r.disabled,
    createdAt: iso(r.created_at) as string,
    lastLoginAt: iso(r.last_login_at),
    activeSessions: Number(r.active_sessions),
  };
}

// $1 is "now" in every query that uses this projection (active sessions are those not yet expired).
const ACCOUNT_COLUMNS = `
  u.id, u.username, u.display_name, u.role, u.scope_grid_id, g.name AS grid_name, u.person_id, p.name AS person_name,
  u.disabled, u.created_at,
  (SELECT max(a.at) FROM audit_log a
    WHERE a.entity_type = 'user' AND a.entity_id = u.id::text AND a.action IN ('auth.login', 'auth.wall_paired')) AS last_login_at,
  (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > $1) AS active_sessions`;
const ACCOUNT_FROM = `users u LEFT JOIN grids g ON g.id = u.scope_grid_id LEFT JOIN people p ON p.id = u.person_id`;

/** Escapes LIKE wildcards so a search for "a_b" finds "a_b", not "axb". */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The list's WHERE clause, its placeholders numbered from `first`. */
function accountFilter(q: AccountListQuery, first: number): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.q) {
    params.push(likePattern(q.q.toLowerCase()));
    const n = first + params.length - 1;
    where.push(`(u.username LIKE $${n} OR lower(u.display_name) LIKE $${n})`);
  }
  if (q.role) {
    params.push(q.role);
    where.push(`u.role = $${first + params.length - 1}`);
  }
  if (q.status) where.push(q.status === 'disabled' ? 'u.disabled' : 'NOT u.disabled');
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

export async function listAccounts(db: Queryable, q: AccountListQuery, now: Date): Promise<AccountPage> {
  const counted = accountFilter(q, 1);
  const total = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM users u ${counted.sql}`, counted.params);
  const f = accountFilter(q, 2);
  const n = f.params.length + 2;
  const rows = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNT_FROM} ${f.sql}
      ORDER BY u.disabled, u.username LIMIT $${n} OFFSET $${n + 1}`,
    [now, ...f.params, q.pageSize, (q.page - 1) * q.pageSize],
  );
  return { accounts: rows.rows.map(toDto), total: Number(total.rows[0].n), page: q.page, pageSize: q.pageSize };
}

export async function getAccount(db: Queryable, id: number, now: Date): Promise<AccountDto | undefined> {
  const r = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNT_FROM} WHERE u.id = $2`, [now, id]);
  return r.rows[0] ? toDto(r.rows[0]) : undefined;
}

export async function gridOptions(db: Queryable): Promise<GridOption[]> {
  const r = await db.query<{ id: number; code: string; name: string; community_name: string }>(
    `SELECT g.id, g.code, g.name, c.name AS community_name FROM grids g JOIN communities c ON c.id = g.community_id ORDER BY g.code`,
  );
  return r.rows.map((g) => ({ id: Number(g.id), code: g.code, name: g.name, communityName: g.community_name }));
}

/** People an account may be linked to (staff records; residents are not people rows). */
export async function personOptions(db: Queryable, gridId: number | undefined): Promise<PersonOption[]> {
  const r = await db.query<{ id: number; name: string; role: string; grid_id: number | null }>(
    `SELECT id, name, role, grid_id FROM people
      WHERE role IN ('street_leader', 'community_secretary', 'community_staff', 'grid_worker', 'cadre')
        AND left_at IS NULL
        AND ($1::int IS NULL OR grid_id = $1)
      ORDER BY role, name, id LIMIT 2000`,
    [gridId ?? null],
  );
  return r.rows.map((p) => ({ id: Number(p.id), name: p.name, role: p.role, gridId: p.grid_id == null ? null : Number(p.grid_id) }));
}

/** A worker needs a grid that exists; other roles see the whole street and have none. */
async function checkScope(tx: Queryable, role: UserRole, scopeGridId: number | null | undefined, personId: number | null | undefined): Promise<void> {
  if (role === 'worker') {
    if (scopeGridId == null) {
      throw new AppError('VALIDATION_ERROR', 'a worker account needs scopeGridId: the grid this worker may see', 'body.scopeGridId');
    }
    const g = await tx.query('SELECT 1 FROM grids WHERE id = $1', [scopeGridId]);
    if (g.rows.length === 0) {
      throw new AppError('VALIDATION_ERROR', `no grid with id ${scopeGridId}: choose one from GET /api/admin/grids`, 'body.scopeGridId');
    }
  } else if (scopeGridId != null) {
    throw new AppError('VALIDATION_ERROR', `only worker accounts have a grid scope; a ${role} sees the whole street: leave scopeGridId empty`, 'body.scopeGridId');
  }
  if (personId != null) {
    const p = await tx.query('SELECT 1 FROM people WHERE id = $1', [personId]);
    if (p.rows.length === 0) throw new AppError('VALIDATION_ERROR', `no person with id ${personId}: choose one from GET /api/admin/people`, 'body.personId');
  }
}

interface LockedTarget {
  id: number;
  username: string;
  role: UserRole;
  disabled: boolean;
  scope_grid_id: number | null;
  person_id: number | null;
}

/**
 * Locks the enabled admins and the target account for the rest of the transaction, and checks the rules
 * that do not depend on the kind of change.
 */
async function lockForChange(tx: Queryable, targetId: number): Promise<{ target: LockedTarget; admins: Set<number> }> {
  const admins = new Set(
    (await tx.query<{ id: number }>(`SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE`)).rows.map((r) => Number(r.id)),
  );
  const t = await tx.query<LockedTarget>(`SELECT id, username, role, disabled, scope_grid_id, person_id FROM users WHERE id = $1 FOR UPDATE`, [targetId]);
  if (!t.rows[0]) throw new AppError('NOT_FOUND', `no account with id ${targetId}`, 'params.id');
  return { target: { ...t.rows[0], id: Number(t.rows[0].id) }, admins };
}

function refuseOwn(actor: Identity, targetId: number, what: string): void {
  if (actor.userId === targetId) {
    throw new AppError('OWN_ACCOUNT', `you cannot ${what} your own account: ask another administrator to do it`, 'params.id');
  }
}

/** The change removes `target` from the enabled admins: at least one must remain, and the actor must be one. */
function checkAdmins(admins: Set<number>, actor: Identity, target: LockedTarget, removesAdmin: boolean): void {
  if (removesAdmin && admins.has(target.id) && admins.size <= 1) {
    throw new AppError('LAST_ADMIN', `"${target.username}" is the last enabled administrator: make another account admin first`, 'params.id');
  }
  if (!admins.has(actor.userId)) {
    throw new AppError('FORBIDDEN', 'your account is no longer an enabled administrator: sign in again', undefined);
  }
}

async function mustGet(tx: Queryable, id: number, now: Date): Promise<AccountDto> {
  const a = await getAccount(tx, id, now);
  if (!a) throw new AppError('NOT_FOUND', `no account with id ${id}`, 'params.id');
  return a;
}

export async function createAccount(db: Db, by: AccountActor, body: CreateAccountBody, now: Date): Promise<PasswordChange> {
  const password = generateOneTimePassword();
  const hash = await hashPassword(password);
  const account = await db.transaction(async (tx) => {
    const { admins } = await lockAdminsOnly(tx);
    if (!admins.has(by.identity.userId)) throw new AppError('FORBIDDEN', 'your account is no longer an enabled administrator: sign in again');
    await checkScope(tx, body.role, body.scopeGridId, body.personId);
    let id: number;
    try {
      const r = await tx.query<{ id: number }>(
        `INSERT INTO users (username, password_hash, role, display_name, person_id, scope_grid_id, must_change_password)
         VALUES ($1, $2, $3, $4, $5, $6, $3 <> 'wall') ON CONFLICT (username) DO NOTHING RETURNING id`,
        [body.username, hash, body.role, body.displayName, body.personId ?? null, body.role === 'worker' ? body.scopeGridId : null],
      );
      if (!r.rows[0]) throw new AppError('USERNAME_TAKEN', `username "${body.username}" is taken: choose another (e.g. add a digit)`, 'body.username');
      id = Number(r.rows[0].id);
    } catch (err) {
      if (sqlState(err) === '23514') throw new AppError('VALIDATION_ERROR', 'username must be 2–64 characters of a-z, 0-9, "_", "." or "-"', 'body.username');
      throw err;
    }
    await audit(tx, {
      actor: actorOf(by.identity),
      action: 'account.create',
      entityType: 'user',
      entityId: id,
      detail: { username: body.username, role: body.role, scopeGridId: body.scopeGridId ?? null, personId: body.personId ?? null },
      ip: by.ip,
    });
    return mustGet(tx, id, now);
  });
  return { account, password, endedSessionIds: [] };
}

async function lockAdminsOnly(tx: Queryable): Promise<{ admins: Set<number> }> {
  const r = await tx.query<{ id: number }>(`SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE`);
  return { admins: new Set(r.rows.map((x) => Number(x.id))) };
}

/** An account's disabled flag changing, as the audit row records it. */
export interface DisabledChange {
  /** true: the account stops (account.disable); false: it may sign in again (account.enable). */
  disabled: boolean;
  reason: string;
  /** Extra audit detail beside the username and the number of sessions ended. */
  detail?: Record<string, unknown>;
}

/**
 * The in-transaction half of stopping (or re-enabling) an account, shared by the accounts page and a roster
 * import's 离册: sets the flag, deletes the account's sessions and writes the audit row, all in the caller's
 * transaction (the caller has locked the row and checked its rules). Returns the ended session ids: end them
 * in every process's memory after the commit (auth.endSessions).
 */
export async function disableAccountInTx(
  tx: Queryable,
  by: { actor: string; ip: string | null },
  account: { id: number; username: string },
  change: DisabledChange,
): Promise<string[]> {
  await tx.query('UPDATE users SET disabled = $2 WHERE id = $1', [account.id, change.disabled]);
  // Sessions end on disable; a re-enabled account has none (they ended when it was disabled) — the
  // DELETE is then a no-op kept for accounts disabled directly in the database.
  const endedSessionIds = await deleteUserSessions(tx, account.id);
  await audit(tx, {
    actor: by.actor,
    action: change.disabled ? 'account.disable' : 'account.enable',
    entityType: 'user',
    entityId: account.id,
    reason: change.reason,
    detail: { username: account.username, ...change.detail, sessionsEnded: endedSessionIds.length },
    ip: by.ip,
  });
  return endedSessionIds;
}

export async function setAccountDisabled(db: Db, by: AccountActor, id: number, disabled: boolean, reason: string, now: Date): Promise<AccountChange> {
  return db.transaction(async (tx) => {
    const { target, admins } = await lockForChange(tx, id);
    if (disabled) refuseOwn(by.identity, id, 'disable');
    checkAdmins(admins, by.identity, target, disabled);
    const endedSessionIds = await disableAccountInTx(
      tx,
      { actor: actorOf(by.identity), ip: by.ip },
      target,
      { disabled, reason, detail: { wasDisabled: target.disabled } },
    );
    return { account: await mustGet(tx, id, now), endedSessionIds };
  });
}

export async function resetAccountPassword(db: Db, by: AccountActor, id: number, reason: string, now: Date): Promise<PasswordChange> {
  const password = generateOneTimePassword();
  const hash = await hashPassword(password);
  const change = await db.transaction(async (tx) => {
    const { target, admins } = await lockForChange(tx, id);
    refuseOwn(by.identity, id, 'reset the password of');
    checkAdmins(admins, by.identity, target, false);
    // the one-time password only lets its person choose their own (server/auth/password-change-gate.ts); a
    // wall display is paired with a key and nobody at it types a password, so it is not asked to
    await tx.query("UPDATE users SET password_hash = $2, must_change_password = (role <> 'wall') WHERE id = $1", [id, hash]);
    // whoever knew the old password is signed out everywhere
    const endedSessionIds = await deleteUserSessions(tx, id);
    await audit(tx, {
      actor: actorOf(by.identity),
      action: 'account.password_reset',
      entityType: 'user',
      entityId: id,
      reason,
      detail: { username: target.username, sessionsEnded: endedSessionIds.length },
      ip: by.ip,
    });
    return { account: await mustGet(tx, id, now), endedSessionIds };
  });
  return { ...change, password };
}

export async function changeAccountRole(db: Db, by: AccountActor, id: number, body: ChangeRoleBody, now: Date): Promise<AccountChange> {
  return db.transaction(async (tx) => {
    const { target, admins } = await lockForChange(tx, id);
    refuseOwn(by.identity, id, 'change the role of');
    checkAdmins(admins, by.identity, target, target.role === 'admin' && body.role !== 'admin');
    // a worker staying a worker keeps its grid unless a new one is given
    const scopeGridId = body.scopeGridId === undefined && body.role === 'worker' && target.role === 'worker' ? target.scope_grid_id : body.scopeGridId;
    await checkScope(tx, body.role, scopeGridId, body.personId);
    const personId = body.personId === undefined ? target.person_id : body.personId;
    const newGrid = body.role === 'worker' ? (scopeGridId ?? null) : null;
    if (body.role === target.role && newGrid === target.scope_grid_id && personId === target.person_id) {
      throw new AppError('VALIDATION_ERROR', `"${target.username}" already has role ${body.role}${newGrid ? ` and grid ${newGrid}` : ''}: nothing to change`, 'body.role');
    }
    await tx.query('UPDATE users SET role = $2, scope_grid_id = $3, person_id = $4 WHERE id = $1', [id, body.role, newGrid, personId]);
    const endedSessionIds = await deleteUserSessions(tx, id);
    await audit(tx, {
      actor: actorOf(by.identity),
      action: 'account.role_change',
      entityType: 'user',
      entityId: id,
      reason: body.reason,
      detail: {
        username: target.username,
        from: { role: target.role, scopeGridId: target.scope_grid_id, personId: target.person_id },
        to: { role: body.role, scopeGridId: newGrid, personId },
        sessionsEnded: endedSessionIds.length,
      },
      ip: by.ip,
    });
    return { account: await mustGet(tx, id, now), endedSessionIds };
  });
}
