// Passwords the administrator hands to a person once (new account, reset). Read aloud or typed from a
// screen, so the alphabet leaves out look-alikes (0/O, 1/l/I); 12 characters of 55 ≈ 69 bits, far beyond
// what the sign-in rate limit lets anyone guess online.
import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const GROUPS = 3;
const GROUP_LENGTH = 4;

/** e.g. "k7Pq-m2Xw-9RtZ": crypto-random, uniform over the alphabet (randomInt has no modulo bias). */
export function generateOneTimePassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let s = '';
    for (let i = 0; i < GROUP_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}
