// Resident identity numbers (居民身份证号码, GB 11643-1999): 6 digits of region, 8 of birth date, 3 of
// sequence, 1 check character (ISO 7064 MOD 11-2, "X" for 10). Used only to refuse a malformed number on a
// roster; the number itself is never stored (SECURITY.md "Rosters").
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export type IdNumberProblem = 'length' | 'characters' | 'birth_date' | 'check_digit';

/** The number with spaces removed and a lower-case x raised, or why it is not a valid number. */
export function checkIdNumber(raw: string): { ok: true; value: string } | { ok: false; problem: IdNumberProblem } {
  const v = raw.replace(/\s+/g, '').toUpperCase();
  if (v.length !== 18) return { ok: false, problem: 'length' };
  if (!/^[1-9][0-9]{16}[0-9X]$/.test(v)) return { ok: false, problem: 'characters' };
  const y = Number(v.slice(6, 10));
  const m = Number(v.slice(10, 12));
  const d = Number(v.slice(12, 14));
  const born = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || born.getUTCFullYear() !== y || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d || born.getTime() > Date.now()) {
    return { ok: false, problem: 'birth_date' };
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(v[i]) * WEIGHTS[i];
  if (CHECK[sum % 11] !== v[17]) return { ok: false, problem: 'check_digit' };
  return { ok: true, value: v };
}

/** The check character a 17-digit prefix needs (tests build valid numbers with it). */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}
