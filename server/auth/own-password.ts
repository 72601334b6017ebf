// A signed-in person changes their own password (after an administrator's reset handed them one they did
// not choose). The current password is checked with the sign-in's argon2id; the new one follows the rule of
// common/password.ts. One transaction writes the hash, deletes the account's OTHER sessions and the audit
// row; the caller ends those sessions in every process's memory after the commit (session-revocation.ts).
import type { Db } from '../db/db';
import { AppError } from '../../common/errors';
import type { ChangePasswordBody } from '../../common/password';
import { audit } from '../audit/audit';
import { actorOf, type Identity } from './identity';
import { hashPassword, verifyPassword } from './passwords';

export interface OwnPasswordChange {
  /** Sessions of the account other than the caller's, deleted in the transaction. */
  endedSessionIds: string[];
}

export async function changeOwnPassword(db: Db, who: { identity: Identity; ip: string | null }, body: ChangePasswordBody, now: Date): Promise<OwnPasswordChange> {
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
      `UPDATE users u SET password_hash = $2
        WHERE u.id = $1 AND u.password_hash = $3 AND NOT u.disabled
          AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = $4 AND s.user_id = u.id AND s.expires_at > $5)`,
      [identity.userId, newHash, oldHash, identity.sessionId, now],
    );
    if (updated.rowCount === 0) {
      throw new AppError('STALE_VERSION', 'the account changed while you typed (an administrator reset or changed it, or another device changed the password): sign in again', 'body.currentPassword');
    }
    // whoever knew the old password on another device is signed out; this browser stays signed in
    const ended = await tx.query<{ id: string }>('DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING id', [identity.userId, identity.sessionId]);
    const endedSessionIds = ended.rows.map((r) => r.id);
    await audit(tx, {
      actor: actorOf(identity),
      action: 'account.password_change',
      entityType: 'user',
      entityId: identity.userId,
      detail: { username: identity.username, otherSessionsEnded: endedSessionIds.length },
      ip: who.ip,
    });
    return { endedSessionIds };
  });
}
