// User accounts. Passwords are stored only as argon2id hashes; usernames are lower-case ASCII (users table CHECK).
import { z } from 'zod';
import { USER_ROLES, type UserRole } from '../../common/domain';
import type { Queryable } from '../db/db';
import { AppError } from '../../common/errors';
import { parseOrThrow } from '../http/validate';
import { hashPassword } from './passwords';
import { newPasswordSchema } from '../../common/password';

export interface NewUser {
  username: string;
  password: string;
  role: UserRole;
  displayName: string;
  personId?: number | null;
  scopeGridId?: number | null;
}

export interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: UserRole;
  display_name: string;
  person_id: number | null;
  scope_grid_id: number | null;
  disabled: boolean;
  must_change_password: boolean;
}

export const UsernameSchema = z.string().regex(/^[a-z0-9_.-]{2,64}$/, '2–64 characters of a-z, 0-9, "_", "." or "-"');

const NewUserSchema = z
  .object({
    username: UsernameSchema,
    password: newPasswordSchema,
    role: z.enum(USER_ROLES),
    displayName: z.string().trim().min(1).max(100),
    personId: z.number().int().positive().nullable().optional(),
    scopeGridId: z.number().int().positive().nullable().optional(),
  })
  .strict()
  .refine((u) => u.role !== 'worker' || u.scopeGridId != null, {
    message: 'a worker account needs scopeGridId (the grid it may see)',
    path: ['scopeGridId'],
  });

/** Creates a user and returns its id. Throws VALIDATION_ERROR for a bad or taken username. */
export async function createUser(db: Queryable, input: NewUser): Promise<number> {
  const u = parseOrThrow(NewUserSchema, input, 'body');
  const hash = await hashPassword(u.password);
  const res = await db.query<{ id: number }>(
    `INSERT INTO users (username, password_hash, role, display_name, person_id, scope_grid_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (username) DO NOTHING
     RETURNING id`,
    [u.username, hash, u.role, u.displayName, u.personId ?? null, u.scopeGridId ?? null],
  );
  if (!res.rows[0]) throw new AppError('VALIDATION_ERROR', `username "${u.username}" is taken`, 'body.username');
  return res.rows[0].id;
}

export async function findUserByUsername(db: Queryable, username: string): Promise<UserRow | undefined> {
  const res = await db.query<UserRow>(
    `SELECT id, username, password_hash, role, display_name, person_id, scope_grid_id, disabled, must_change_password
       FROM users WHERE username = $1`,
    [username],
  );
  return res.rows[0];
}
