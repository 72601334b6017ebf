// The rule for a password a person chooses (their own, POST /api/auth/password) and for accounts created
// with a given password (server/auth/users.ts, demo accounts): one definition for the server and the client's
// dialog. Generated one-time passwords (server/admin/one-time-password.ts) are far longer than the minimum.
import { z } from 'zod';

/** NIST SP 800-63B: at least 8 characters; no composition rules, long passphrases welcome. */
export const MIN_PASSWORD_LENGTH = 8;
/** argon2 takes any length; the bound keeps a request from spending the hash on megabytes. */
export const MAX_PASSWORD_LENGTH = 1024;

export const newPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `at most ${MAX_PASSWORD_LENGTH} characters`);

/** POST /api/auth/password: the current password proves it is the person, not someone at their desk. */
export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, 'type your current password').max(MAX_PASSWORD_LENGTH),
    newPassword: newPasswordSchema,
  })
  .strict();
export type ChangePasswordBody = z.infer<typeof changePasswordSchema>;

export interface ChangePasswordAnswer {
  /** This browser stays signed in, under a new session cookie (set with this answer). */
  changed: true;
  /** The account's other sessions (other browsers, phones), ended on every server process. */
  otherSessionsEnded: number;
  /** The new session's CSRF token: the old one ended with the old session. */
  csrfToken: string;
}
