// Contracts of the administration console (/admin, server/admin): accounts and the audit log viewer.
// Shared by the server (validation at the boundary) and the client (types of what it receives).
import { z } from 'zod';
import { USER_ROLES, type UserRole } from './domain';

const username = z.string().regex(/^[a-z0-9_.-]{2,64}$/, '2–64 characters of a-z, 0-9, "_", "." or "-" (lower case)');
const id = z.number().int().positive().max(2_147_483_647);
/** Why an account is changed: kept in the audit log's reason column (离职, 调岗, 手机遗失, 忘记密码 …). */
const reason = z.string().trim().min(2, 'say why (at least 2 characters), e.g. 离职 or 忘记密码').max(200);
const page = z.coerce.number().int().min(1).max(100_000).default(1);
const pageSize = z.coerce.number().int().min(1).max(200).default(50);

export const ACCOUNT_STATUSES = ['active', 'disabled'] as const;

export const accountListQuerySchema = z
  .object({
    /** Matches the username or the display name, anywhere in it (case-insensitive). */
    q: z.string().trim().max(64).optional(),
    role: z.enum(USER_ROLES).optional(),
    status: z.enum(ACCOUNT_STATUSES).optional(),
    page,
    pageSize,
  })
  .strict();
export type AccountListQuery = z.infer<typeof accountListQuerySchema>;

export const createAccountSchema = z
  .object({
    username,
    displayName: z.string().trim().min(1).max(100),
    role: z.enum(USER_ROLES),
    /** Required for a worker: the grid it may see. */
    scopeGridId: id.nullable().optional(),
    /** The person record (grid worker, leader …) this login belongs to. */
    personId: id.nullable().optional(),
  })
  .strict();
export type CreateAccountBody = z.infer<typeof createAccountSchema>;

export const reasonSchema = z.object({ reason }).strict();
export type ReasonBody = z.infer<typeof reasonSchema>;

export const changeRoleSchema = z
  .object({
    role: z.enum(USER_ROLES),
    scopeGridId: id.nullable().optional(),
    personId: id.nullable().optional(),
    reason,
  })
  .strict();
export type ChangeRoleBody = z.infer<typeof changeRoleSchema>;

export const accountIdParamsSchema = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) }).strict();

export interface AccountDto {
  id: number;
  username: string;
  displayName: string;
  role: UserRole;
  scopeGridId: number | null;
  scopeGridName: string | null;
  personId: number | null;
  personName: string | null;
  disabled: boolean;
  createdAt: string;
  /** Time of the last successful sign-in (audit log), or null. */
  lastLoginAt: string | null;
  /** Sessions not yet expired (devices signed in). */
  activeSessions: number;
}

export interface AccountPage {
  accounts: AccountDto[];
  total: number;
  page: number;
  pageSize: number;
}

/** Answer of create and reset-password: the generated password, shown once and never stored in clear. */
export interface OneTimePasswordAnswer {
  account: AccountDto;
  password: string;
  sessionsEnded: number;
}

/** Answer of disable, enable and change-role. */
export interface AccountChangeAnswer {
  account: AccountDto;
  /** Sessions of the account that were ended (on every server process) by this change. */
  sessionsEnded: number;
}

export interface GridOption {
  id: number;
  code: string;
  name: string;
  communityName: string;
}

export interface PersonOption {
  id: number;
  name: string;
  role: string;
  gridId: number | null;
}

export const peopleQuerySchema = z.object({ gridId: z.coerce.number().int().positive().max(2_147_483_647).optional() }).strict();

// ------------------------------------------------------------------------------------------- audit log

const isoTime = z.iso.datetime({ offset: true, message: 'an ISO 8601 time with offset, e.g. 2026-11-01T00:00:00+08:00' });

export const auditFilterShape = {
  /** "user:12", "anonymous", "system:…" or a username (resolved to its "user:<id>"). */
  actor: z.string().trim().min(1).max(80).optional(),
  /** An exact action ("account.disable"), or a prefix ending in "." ("account."). */
  action: z.string().trim().regex(/^[a-z0-9_.]{1,80}$/, 'an action such as account.disable, or a prefix such as account.').optional(),
  entityType: z.string().trim().regex(/^[a-z0-9_]{1,40}$/, 'a record type such as user or incident').optional(),
  entityId: z.string().trim().min(1).max(80).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
};

export const auditQuerySchema = z.object({ ...auditFilterShape, page, pageSize }).strict();
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const AUDIT_EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export const auditExportQuerySchema = z.object({ ...auditFilterShape, format: z.enum(AUDIT_EXPORT_FORMATS) }).strict();
export type AuditExportQuery = z.infer<typeof auditExportQuerySchema>;

/** Rows one export may hold; a larger selection is refused with a message to narrow the time range. */
export const AUDIT_EXPORT_MAX_ROWS = 100_000;

export interface AuditRowDto {
  id: number;
  at: string;
  actor: string;
  /** Username and display name of a "user:<id>" actor, when the account exists. */
  actorUsername: string | null;
  actorName: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  reason: string | null;
  detail: unknown;
  /** The request's address as the server saw it (behind a proxy: X-Forwarded-For of a trusted proxy). */
  ip: string | null;
}

export interface AuditPage {
  rows: AuditRowDto[];
  total: number;
  page: number;
  pageSize: number;
}
