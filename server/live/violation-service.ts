// Violation points (双违, 创文/创卫): found → notified → rectifying → rectified | demolished → verified.
// A status change writes the row and its `violation.status_changed` event in one transaction.
import { AppError } from '../../common/errors';
import type { ViolationStatus } from '../../common/domain';
import type { ViolationEventPayload, ViolationLive } from '../../common/realtime';
import { appendEvent } from '../events/append-event';
import { audit } from '../audit/audit';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { VIOLATION_COLUMNS, toViolationLive, type ViolationRow } from './live-rows';

/** Allowed moves. A failed check of a rectification sends it back to rectifying. */
export const VIOLATION_TRANSITIONS: Readonly<Record<ViolationStatus, readonly ViolationStatus[]>> = {
  found: ['notified'],
  notified: ['rectifying'],
  rectifying: ['rectified', 'demolished'],
  rectified: ['verified', 'rectifying'],
  demolished: ['verified'],
  verified: [],
};

export interface ChangeViolationCommand {
  violationId: number;
  status: ViolationStatus;
  version: number;
  actor: string;
  reason?: string | null;
  ip?: string | null;
}

export async function changeViolationStatus(db: Db, clock: Clock, cmd: ChangeViolationCommand): Promise<ViolationLive> {
  return db.transaction(async (tx) => {
    const cur = await tx.query<ViolationRow>(`SELECT ${VIOLATION_COLUMNS} FROM violations WHERE id = $1 FOR UPDATE`, [cmd.violationId]);
    if (!cur.rows.length) throw new AppError('NOT_FOUND', `no violation point with id ${cmd.violationId}`, 'params.id');
    const before = toViolationLive(cur.rows[0]);
    if (before.version !== cmd.version) {
      throw new AppError('STALE_VERSION', `violation ${cmd.violationId} is at version ${before.version}, not ${cmd.version}: reload and retry`, 'body.version', { current: before });
    }
    if (!VIOLATION_TRANSITIONS[before.status].includes(cmd.status)) {
      const allowed = VIOLATION_TRANSITIONS[before.status];
      throw new AppError('INVALID_TRANSITION',
        `a violation cannot go from "${before.status}" to "${cmd.status}"; allowed: ${allowed.length ? allowed.join(', ') : 'none (final)'}`,
        'body.status', { current: before });
    }
    const upd = await tx.query<ViolationRow>(
      `UPDATE violations SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1 RETURNING ${VIOLATION_COLUMNS}`,
      [cmd.violationId, cmd.status, clock.now().toISOString()],
    );
    const violation = toViolationLive(upd.rows[0]);
    const payload: ViolationEventPayload = { violation, from: before.status, gridId: violation.gridId };
    await appendEvent(tx, {
      type: 'violation.status_changed', entityType: 'violation', entityId: violation.id, version: violation.version,
      actor: cmd.actor, reason: cmd.reason ?? null, payload,
    });
    await audit(tx, { actor: cmd.actor, action: 'violation.status', entityType: 'violation', entityId: violation.id,
      reason: cmd.reason ?? null, detail: { from: before.status, to: violation.status }, ip: cmd.ip ?? null });
    return violation;
  });
}
