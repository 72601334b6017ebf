// Wall displays sign in once and stay signed in: an admin issues a one-time pairing key for a wall account
// (POST /api/auth/wall-keys); the display opens /api/auth/pair?key=… once, which sets the long-lived,
// sliding wall session cookie and redirects to /wall. The key is single-use and expires in 15 minutes.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/db';
import { AppError } from '../../common/errors';
import { hashToken } from './sessions';

export const PAIRING_KEY_TTL_MS = 15 * 60_000;

export async function issuePairingKey(
  q: Queryable,
  wallUsername: string,
  createdBy: number,
  now: Date,
): Promise<{ key: string; expiresAt: Date; userId: number }> {
  const u = await q.query<{ id: number; role: string; disabled: boolean }>(`SELECT id, role, disabled FROM users WHERE username = $1`, [wallUsername]);
  const user = u.rows[0];
  if (!user) throw new AppError('NOT_FOUND', `no user "${wallUsername}"`, 'body.wallUsername');
  if (user.role !== 'wall' || user.disabled) {
    throw new AppError('VALIDATION_ERROR', `"${wallUsername}" is not an active wall account: pairing gives only the read-only wall role`, 'body.wallUsername');
  }
  const key = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + PAIRING_KEY_TTL_MS);
  await q.query(`INSERT INTO wall_pairing_keys (id, user_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
    hashToken(key),
    user.id,
    createdBy,
    now,
    expiresAt,
  ]);
  return { key, expiresAt, userId: user.id };
}

/** Marks the key used and returns its wall user id; undefined when unknown, used or expired. */
export async function consumePairingKey(q: Queryable, key: string, now: Date): Promise<number | undefined> {
  const res = await q.query<{ user_id: number }>(
    `UPDATE wall_pairing_keys k SET used_at = $2
       FROM users u
      WHERE k.id = $1 AND k.used_at IS NULL AND k.expires_at > $2 AND u.id = k.user_id AND u.role = 'wall' AND NOT u.disabled
      RETURNING k.user_id`,
    [hashToken(key), now],
  );
  return res.rows[0]?.user_id;
}
