// SIMULATION: phone accounts for simulated grid workers. There is no API that creates accounts (on purpose), so,
// like `npm run import`, this writes to the database directly and needs its address (DATABASE_URL): one
// account per grid's own worker (grids.worker_id), named sim_w<personId>, role worker, scoped to that grid,
// display name 【模拟】…, with a fresh random password each run (the old one stops working). The simulator
// then signs these accounts in through the real /api/auth/login like the phone does.
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/db';
import { createUser } from '../auth/users';
import { hashPassword } from '../auth/passwords';

export interface SimWorkerAccount {
  username: string;
  password: string;
  personId: number;
  gridId: number;
}

/** Prefix of every simulated worker account (so they can be listed and disabled afterwards). */
export const SIM_WORKER_PREFIX = 'sim_w';

/**
 * Creates (or resets the password of) up to `count` simulated worker accounts for the on-duty workers of the
 * first grids, or of exactly `gridIds` when given.
 */
export async function provisionSimWorkers(db: Db, opts: { count: number; gridIds?: number[] }): Promise<SimWorkerAccount[]> {
  const rows = await db.query<{ person_id: number; grid_id: number; name: string }>(
    `SELECT p.id AS person_id, g.id AS grid_id, g.name
       FROM grids g JOIN people p ON p.id = g.worker_id
      WHERE p.on_duty AND ($2::int[] IS NULL OR g.id = ANY($2::int[]))
      ORDER BY g.id LIMIT $1`,
    [Math.max(0, Math.floor(opts.count)), opts.gridIds ? `{${opts.gridIds.join(',')}}` : null],
  );
  const out: SimWorkerAccount[] = [];
  for (const r of rows.rows) {
    const username = `${SIM_WORKER_PREFIX}${r.person_id}`;
    const password = randomBytes(12).toString('base64url');
    const reset = await db.query<{ id: number }>(
      `UPDATE users SET password_hash = $2, role = 'worker', person_id = $3, scope_grid_id = $4, disabled = false
        WHERE username = $1 RETURNING id`,
      [username, await hashPassword(password), r.person_id, r.grid_id],
    );
    if (!reset.rows[0]) {
      await createUser(db, { username, password, role: 'worker', displayName: `【模拟】网格员 ${r.name}`, personId: r.person_id, scopeGridId: r.grid_id });
    }
    out.push({ username, password, personId: Number(r.person_id), gridId: Number(r.grid_id) });
  }
  return out;
}
