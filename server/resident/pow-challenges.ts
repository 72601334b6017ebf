// Proof-of-work challenges (common/pow.ts): issued and stored by the server, single use, valid for a few
// minutes. A solution is checked with one hash before the database is asked anything, and the challenge
// is consumed by one guarded UPDATE, so two requests racing with the same solution cannot both pass.
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../common/errors';
import { leadingZeroBits, powInput, POW_ALGORITHM } from '../../common/pow';
import type { ChallengeDto } from '../../common/resident';
import type { Queryable } from '../db/db';

export interface PowOptions {
  /** Leading zero bits; each bit doubles the average work (17 ≈ 130k hashes on average: a few seconds with WebCrypto in a phone's browser). */
  difficulty: number;
  ttlMs: number;
  /** Challenges one address may fetch per window. */
  perAddress: number;
  windowMs: number;
}

export async function issueChallenge(q: Queryable, addressHash: string, now: Date, opts: PowOptions): Promise<ChallengeDto> {
  const since = new Date(now.getTime() - opts.windowMs);
  const recent = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pow_challenges WHERE address_hash = $1 AND issued_at > $2',
    [addressHash, since.toISOString()],
  );
  if (recent.rows[0].n >= opts.perAddress) {
    throw new AppError('RATE_LIMITED', `too many challenges from this address (${opts.perAddress} per ${Math.round(opts.windowMs / 60000)} minutes); wait a few minutes`, undefined, {
      retryAfterSeconds: Math.ceil(opts.windowMs / 1000),
    });
  }
  // Old rows are only needed for the count above; drop those long expired as we go (indexed, small).
  await q.query('DELETE FROM pow_challenges WHERE expires_at < $1', [new Date(now.getTime() - 86_400_000).toISOString()]);
  const challenge = randomBytes(16).toString('hex');
  const expiresAt = new Date(now.getTime() + opts.ttlMs);
  await q.query(
    'INSERT INTO pow_challenges (id, difficulty, address_hash, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [challenge, opts.difficulty, addressHash, now.toISOString(), expiresAt.toISOString()],
  );
  return { algorithm: POW_ALGORITHM, challenge, difficulty: opts.difficulty, expiresAt: expiresAt.toISOString() };
}

function powFailed(reason: 'unknown' | 'expired' | 'used' | 'insufficient', message: string): AppError {
  return new AppError('POW_FAILED', message, reason === 'insufficient' ? 'body.nonce' : 'body.challenge', { reason });
}

/**
 * Checks the solution and uses up the challenge. Any attempt with a known, fresh challenge uses it up —
 * also a wrong one — so a challenge buys exactly one try.
 */
export async function consumeChallenge(q: Queryable, challenge: string, nonce: string, now: Date, minDifficulty: number): Promise<void> {
  const bits = leadingZeroBits(createHash('sha256').update(powInput(challenge, nonce)).digest());
  // Cheap refusal first: below the lowest difficulty we issue, no database work at all.
  if (bits < minDifficulty) throw powFailed('insufficient', `the nonce does not solve the challenge (needs ${minDifficulty} leading zero bits, has ${bits}); solve it again`);
  const used = await q.query<{ difficulty: number }>(
    'UPDATE pow_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2 RETURNING difficulty',
    [challenge, now.toISOString()],
  );
  const row = used.rows[0];
  if (!row) {
    const known = await q.query<{ used_at: Date | null; expires_at: Date }>('SELECT used_at, expires_at FROM pow_challenges WHERE id = $1', [challenge]);
    const k = known.rows[0];
    if (!k) throw powFailed('unknown', 'unknown challenge; fetch a new one from POST /api/public/challenges');
    if (k.used_at) throw powFailed('used', 'this challenge was already used; each challenge is good for one report — fetch a new one');
    throw powFailed('expired', 'this challenge has expired; fetch a new one');
  }
  if (bits < row.difficulty) throw powFailed('insufficient', `the nonce does not solve the challenge (needs ${row.difficulty} leading zero bits, has ${bits}); solve it again`);
}
