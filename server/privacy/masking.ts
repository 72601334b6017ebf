// Personal information (PIPL, PRODUCT.md §9): names and phone numbers leave the server masked unless the
// caller's role needs them for case work.
//
// Policy (SECURITY.md "Privacy"):
//   dispatcher, admin → names and phones in full (they call reporters and assign people);
//   leader            → names in full (accountable for 包案 cases), phones masked (they do not call residents);
//   planner, worker   → masked (planners work on aggregates; a worker's own cases come through dispatch);
//   wall              → never (a public screen in a room with visitors).
import type { UserRole } from '../../common/domain';

const NAME_ROLES: ReadonlySet<UserRole> = new Set<UserRole>(['dispatcher', 'admin', 'leader']);
const PHONE_ROLES: ReadonlySet<UserRole> = new Set<UserRole>(['dispatcher', 'admin']);

/** Full personal data (names and phones). */
export function canSeePersonalData(role: UserRole | null | undefined): boolean {
  return role != null && PHONE_ROLES.has(role);
}
export function canSeeNames(role: UserRole | null | undefined): boolean {
  return role != null && NAME_ROLES.has(role);
}
export function canSeePhones(role: UserRole | null | undefined): boolean {
  return canSeePersonalData(role);
}

/** 张三丰 → 张**; "Li Lei" → "L*****": the first character stays so rows can still be told apart. */
export function maskName(name: string): string;
export function maskName(name: string | null): string | null;
export function maskName(name: string | null): string | null {
  if (name == null) return null;
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '';
  if (chars.length === 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}

/** 13800001234 → 138****1234; +86 and separators are dropped first; short numbers keep their last two digits. */
export function maskPhone(phone: string): string;
export function maskPhone(phone: string | null): string | null;
export function maskPhone(phone: string | null): string | null {
  if (phone == null) return null;
  let digits = phone.replace(/[^0-9]/g, '');
  if (digits.length === 13 && digits.startsWith('86')) digits = digits.slice(2);
  if (digits.length >= 7) return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
  return '*'.repeat(Math.max(0, digits.length - 2)) + digits.slice(-2);
}

/** Masks what `role` may not see; fields it may see pass through. */
export function maskPerson<T extends { name?: string | null; phone?: string | null }>(role: UserRole | null | undefined, p: T): T {
  return {
    ...p,
    ...(p.name !== undefined ? { name: canSeeNames(role) ? p.name : maskName(p.name) } : {}),
    ...(p.phone !== undefined ? { phone: canSeePhones(role) ? p.phone : maskPhone(p.phone) } : {}),
  };
}
