// Masking of personal data in the responsibility chain (PRODUCT.md §9). H4's server/privacy/masking.ts did
// not exist when this was written; this small helper is used until the layers move to it.
import type { UserRole } from '../../common/domain';

/** Roles that see cadres' names unmasked (they coordinate people); phones only for dispatch and admin. */
const NAME_ROLES: readonly UserRole[] = ['dispatcher', 'leader', 'admin'];
const PHONE_ROLES: readonly UserRole[] = ['dispatcher', 'admin'];

/** "张三丰" → "张**": the family name stays so a wall still reads naturally. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '';
  return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}

/** "13812345678" → "138****5678"; anything shorter than 7 digits becomes all stars. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\s+/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return digits.slice(0, 3) + '*'.repeat(digits.length - 7) + digits.slice(-4);
}

export function maySeeNames(role: UserRole): boolean {
  return NAME_ROLES.includes(role);
}
export function maySeePhones(role: UserRole): boolean {
  return PHONE_ROLES.includes(role);
}
