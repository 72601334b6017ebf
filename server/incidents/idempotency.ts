// Idempotent commands (QUALITY.md faults 1, 8, 11): the key (REST `Idempotency-Key` header, socket
// `commandId`) is claimed in the SAME transaction as the effect, so either both commit or neither does. A
// retry with the same key gets the stored answer; the same key with a different request is refused.
//
// Concurrency: the claim is `INSERT … ON CONFLICT DO NOTHING` on the primary key. PostgreSQL makes a second
// inserter of the same key wait until the first transaction ends; if it committed, the second finds the
// stored answer and returns it, if it rolled back, the second claims the key and runs the effect itself.
import { createHash } from 'node:crypto';
import { AppError } from '../../common/errors';
import type { Db, Queryable } from '../db/db';

export interface IdempotencyRequest {
  /** Whose key space: keys of different callers never collide (e.g. "incident.report:user:12"). */
  scope: string;
  key: string | undefined;
  /** What is hashed to recognise "same key, different request". */
  request: unknown;
}

export interface CommandAnswer<T> {
  status: number;
  body: T;
}

export interface IdempotentResult<T> extends CommandAnswer<T> {
  /** True when this is the stored answer of an earlier request with the same key. */
  replayed: boolean;
}

/** JSON with object keys sorted, so that key order in a retried body does not change the hash. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonical(request)).digest('hex');
}

interface StoredRow {
  request_hash: string;
  status: number;
  response: unknown;
}

/** Runs `effect` in one transaction with the idempotency claim; without a key it simply runs it. */
export async function runIdempotent<T>(
  db: Db,
  req: IdempotencyRequest,
  effect: (tx: Queryable) => Promise<CommandAnswer<T>>,
): Promise<IdempotentResult<T>> {
  const hash = requestHash(req.request);
  return db.transaction(async (tx) => {
    if (req.key !== undefined) {
      const claim = await tx.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, status, response)
         VALUES ($1, $2, $3, 0, 'null'::jsonb) ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
        [req.scope, req.key, hash],
      );
      if (claim.rowCount === 0) {
        const stored = await tx.query<StoredRow>(
          'SELECT request_hash, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2',
          [req.scope, req.key],
        );
        const row = stored.rows[0];
        if (!row) throw new AppError('DB_UNAVAILABLE', 'the idempotency record vanished; retry with the same key');
        if (row.request_hash !== hash) {
          throw new AppError(
            'IDEMPOTENCY_MISMATCH',
            'this Idempotency-Key was already used for a different request; use a new key for a new request',
            'Idempotency-Key',
          );
        }
        return { status: row.status, body: row.response as T, replayed: true };
      }
    }
    const answer = await effect(tx);
    if (req.key !== undefined) {
      await tx.query('UPDATE idempotency_keys SET status = $3, response = $4::jsonb WHERE scope = $1 AND key = $2', [
        req.scope,
        req.key,
        answer.status,
        JSON.stringify(answer.body),
      ]);
    }
    return { ...answer, replayed: false };
  });
}
