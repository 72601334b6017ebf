// Demo accounts for the sample installation (SEED_SAMPLE=true): one per role. Passwords come from
// DEMO_PASSWORD or are generated once, printed to the console at that first start, and stored only as
// argon2id hashes — nothing secret lives in the repository or in a migration.
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/db';
import type { UserRole } from '../../common/domain';
import { createUser } from './users';
import { MIN_PASSWORD_LENGTH } from '../../common/password';

export const DEMO_USERS: ReadonlyArray<{ username: string; role: UserRole; displayName: string }> = [
  { username: 'wall', role: 'wall', displayName: '大屏 Wall display' },
  { username: 'dispatcher', role: 'dispatcher', displayName: '调度员 Dispatcher' },
  { username: 'planner', role: 'planner', displayName: '规划员 Planner' },
  { username: 'leader', role: 'leader', displayName: '街道领导 Leader' },
  { username: 'admin', role: 'admin', displayName: '管理员 Administrator' },
];

export interface DemoUserResult {
  username: string;
  role: UserRole;
  /** Present only when the account was created now with a generated password. */
  password?: string;
}

/** Creates the missing demo accounts; returns those created (with generated passwords, to print once). */
export async function ensureDemoUsers(db: Db, demoPassword: string | undefined = process.env.DEMO_PASSWORD): Promise<DemoUserResult[]> {
  const created: DemoUserResult[] = [];
  for (const u of DEMO_USERS) {
    const exists = await db.query(`SELECT 1 FROM users WHERE username = $1`, [u.username]);
    if (exists.rows.length) continue;
    const password = demoPassword && demoPassword.length >= MIN_PASSWORD_LENGTH ? demoPassword : randomBytes(9).toString('base64url');
    await createUser(db, { username: u.username, password, role: u.role, displayName: u.displayName });
    created.push({ username: u.username, role: u.role, ...(demoPassword ? {} : { password }) });
  }
  return created;
}

export function printDemoUsers(created: DemoUserResult[], write: (line: string) => void = (l) => console.log(l)): void {
  if (!created.length) return;
  write('\n  Demo accounts created (passwords are shown only this once; stored as argon2id hashes):');
  for (const c of created) write(`    ${c.role.padEnd(10)} ${c.username.padEnd(12)} ${c.password ?? '(DEMO_PASSWORD)'}`);
  write('');
}
