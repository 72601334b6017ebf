// Keyed hashes for what the rate limits count (client address, device id) and plain SHA-256 for tracking
// codes. The key is the installation's own secret (resident_settings, made by migration 090), so a copy of
// the database does not reveal addresses by hashing all 2^32 IPv4 numbers.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/db';
import { CROCKFORD_ALPHABET, TRACKING_CODE_LENGTH } from '../../common/resident';

const keys = new WeakMap<object, Promise<string>>();

/** The hash key of `db` (read once per database handle). */
export function hashKeyOf(db: Queryable): Promise<string> {
  let k = keys.get(db);
  if (!k) {
    k = db.query<{ hash_key: string }>('SELECT hash_key FROM resident_settings').then((r) => {
      const key = r.rows[0]?.hash_key;
      if (!key) throw new Error('resident_settings has no hash key: migration 090 did not run');
      return key;
    });
    k.catch(() => keys.delete(db));
    keys.set(db, k);
  }
  return k;
}

export function keyedHash(key: string, kind: 'address' | 'device', value: string): string {
  return createHmac('sha256', key).update(`${kind}\u0000${value}`).digest('hex');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A new tracking code: 10 Crockford base32 characters from 50 random bits (rejection-free: 32 divides 256). */
export function newTrackingCode(): string {
  const bytes = randomBytes(TRACKING_CODE_LENGTH);
  let out = '';
  for (const b of bytes) out += CROCKFORD_ALPHABET[b & 31];
  return out;
}
