// A signed-in person changes their own password (after an administrator's reset handed them one they did
// not choose). The current password is checked with the sign-in's argon2id; the new one follows the rule of
// common/password.ts. One transaction writes the hash (and clears must_change_password), ends EVERY session
// of the account — this one too — and opens a fresh session for this browser, with the audit row. The new
// token is why this one ends as well: whoever had copied this browser's cookie (or its CSRF token) is
// signed out with the old password (OWASP Session Management: renew the session id on a credential change).
// The caller ends the old sessions in every process's memory after the commit (session-revocation.ts) and
// hands the new cookie and CSRF token to the browser.
import type { Db } from '../db/db';
import type { Config } from '../config';
import { AppError } from '../../common/errors';
import type { ChangePasswordBody } from '../../common/password';
import { audit } from '../audit/audit';
import { actorOf, type Identity } from './identity';
import { hashPassword, verifyPassword } from './passwords';
import { createSession, type NewSession } from './sessions';

export interface OwnPasswordChange {
  /** Every session the account had, the caller's old one included, deleted in the transaction. */
  endedSessionIds: string[];
  /** How many of them were on other devices (the caller's old session is not counted). */
  otherSessionsEnded: number;
  /** This browser's session from now on. */
  session: NewSession;
}

export async function changeOwnPassword(
  db: Db,
  who: { identity: Identity; ip: string | null },
  body: ChangePasswordBody,
  config: Pick<Config, 'SESSION_TTL_HOURS' | 'WALL_SESSION_TTL_DAYS'>,
  now: Date,
): Promise<OwnPasswordChange> {
  const { identity } = who;
  const row = await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1 AND NOT disabled', [identity.userId]);
  const oldHash = row.rows[0]?.password_hash;
  if (oldHash === undefined) throw new AppError('UNAUTHENTICATED', 'this account is disabled or gone: sign in again');
  if (!(await verifyPassword(oldHash, body.currentPassword))) {
    // on the record like a failed sign-in: someone at an unlocked desk may be guessing
    await audit(db, { actor: actorOf(identity), action: 'account.password_change_failed', entityType: 'user', entityId: identity.userId, detail: { username: identity.username }, ip: who.ip });
    throw new AppError('WRONG_PASSWORD', 'the current password is not right: type the password you signed in with', 'body.currentPassword');
  }
  // the current one was just verified, so equal strings mean "the same password again"
  if (body.newPassword === body.currentPassword) {
    throw new AppError('VALIDATION_ERROR', 'the new password is the current one: choose a different password', 'body.newPassword');
  }
  const newHash = await hashPassword(body.newPassword);
  return db.transaction(async (tx) => {
    // Compare-and-set on the hash verified above, and only while this session still exists: an administrator's
    // reset, disable or role change that committed meanwhile wins (it also ended this session).
    const updated = await tx.query(
      `UPDATE users u SET password_hash = $2, must_change_password = false
        WHERE u.id = $1 AND u.password_hash = $3 AND NOT u.disabled
          AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = $4 AND s.user_id = u.id AND s.expires_at > $5)`,
      [identity.userId, newHash, oldHash, identity.sessionId, now],
    );
    if (updated.rowCount === 0) {
      throw new AppError('STALE_VERSION', 'the account changed while you typed (an administrator reset or changed it, or another device changed the password): sign in again', 'body.currentPassword');
    }
    // whoever knew the old password, or held this browser's old cookie, is signed out; this browser goes on
    // under a new token
    const ended = await tx.query<{ id: string }>('DELETE FROM sessions WHERE user_id = $1 RETURNING id', [identity.userId]);
    const endedSessionIds = ended.rows.map((r) => r.id);
    const otherSessionsEnded = endedSessionIds.filter((id) => id !== identity.sessionId).length;
    const session = await createSession(tx, { id: identity.userId, role: identity.role }, config, now);
    await audit(tx, {
      actor: actorOf(identity),
      action: 'account.password_change',
      entityType: 'user',
      entityId: identity.userId,
      detail: { username: identity.username, otherSessionsEnded, sessionRenewed: true },
      ip: who.ip,
    });
    return { endedSessionIds, otherSessionsEnded, session };
  });
}
