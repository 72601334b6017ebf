// Parking occupancy is a state change: the row and its `parking.occupancy_changed` event commit together,
// guarded by the version the caller last saw (409 STALE_VERSION when someone changed it in between).
import { AppError } from '../../common/errors';
import type { ParkingEventPayload, ParkingLive } from '../../common/realtime';
import { appendEvent } from '../events/append-event';
import { audit } from '../audit/audit';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { PARKING_COLUMNS, toParkingLive, type ParkingRow } from './live-rows';

export interface SetOccupancyCommand {
  lotId: number;
  occupied: number;
  version: number;
  actor: string;
  reason?: string | null;
  ip?: string | null;
}

export async function setParkingOccupancy(db: Db, clock: Clock, cmd: SetOccupancyCommand): Promise<ParkingLive> {
  return db.transaction(async (tx) => {
    const cur = await tx.query<ParkingRow>(`SELECT ${PARKING_COLUMNS} FROM parking_lots WHERE id = $1 FOR UPDATE`, [cmd.lotId]);
    if (!cur.rows.length) throw new AppError('NOT_FOUND', `no parking lot with id ${cmd.lotId}`, 'params.id');
    const before = toParkingLive(cur.rows[0]);
    if (before.version !== cmd.version) {
      throw new AppError('STALE_VERSION', `parking lot ${cmd.lotId} is at version ${before.version}, not ${cmd.version}: reload and retry`, 'body.version', { current: before });
    }
    if (cmd.occupied > before.capacity) {
      throw new AppError('VALIDATION_ERROR', `body.occupied: ${cmd.occupied} is more than the lot's capacity ${before.capacity}`, 'body.occupied');
    }
    const upd = await tx.query<ParkingRow>(
      `UPDATE parking_lots SET occupied = $2, version = version + 1, updated_at = $3 WHERE id = $1 RETURNING ${PARKING_COLUMNS}`,
      [cmd.lotId, cmd.occupied, clock.now().toISOString()],
    );
    const lot = toParkingLive(upd.rows[0]);
    const payload: ParkingEventPayload = { lot, previousOccupied: before.occupied, gridId: null };
    await appendEvent(tx, {
      type: 'parking.occupancy_changed', entityType: 'parking_lot', entityId: lot.id, version: lot.version,
      actor: cmd.actor, reason: cmd.reason ?? null, payload,
    });
    await audit(tx, { actor: cmd.actor, action: 'parking.occupancy', entityType: 'parking_lot', entityId: lot.id,
      reason: cmd.reason ?? null, detail: { from: before.occupied, to: lot.occupied }, ip: cmd.ip ?? null });
    return lot;
  });
}
