// Personal information of reporters and workers (PIPL, PRODUCT.md §9): masked in every DTO unless the
// caller's role needs it for case work. H4 may move these helpers to server/auth/masking.ts.
import type { UserRole } from '../../common/domain';

/** Roles that see reporters' and workers' names and phones in full. */
export const PERSONAL_DATA_ROLES: readonly UserRole[] = ['dispatcher', 'admin'];

export function maySeePersonalData(role: UserRole | null | undefined): boolean {
  return role != null && PERSONAL_DATA_ROLES.includes(role);
}

/** 张三丰 → 张**; "Li Lei" → "L*****". Keeps the first character so a caller can still tell rows apart. */
export function maskName(name: string | null): string | null {
  if (name == null) return null;
  const chars = Array.from(name);
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}

/** 13812345678 → 138****5678; short numbers keep only their last two digits. */
export function maskPhone(phone: string | null): string | null {
  if (phone == null) return null;
  const digits = phone.replace(/[^0-9]/g, '');
  if (digits.length >= 7) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  return '*'.repeat(Math.max(0, digits.length - 2)) + digits.slice(-2);
}
