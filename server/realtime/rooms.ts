// Which rooms a connection belongs to, derived only from its authenticated identity: a client never names
// the room it joins (QUALITY.md "a socket joining a room it may not see").
import type { UserRole } from '../../common/domain';
import { STREET_ROOM, eventGridId, gridRoom, type LiveEvent } from '../../common/realtime';
import type { Identity } from '../auth/identity';

/** Roles that see the whole street (aggregates and live points; personal data is never in events). */
const STREET_ROLES: ReadonlySet<UserRole> = new Set<UserRole>(['wall', 'dispatcher', 'leader', 'planner', 'admin']);

export function roomsFor(identity: Pick<Identity, 'role' | 'scopeGridId'> | undefined | null): string[] {
  if (!identity) return [];
  if (STREET_ROLES.has(identity.role)) return [STREET_ROOM];
  if (identity.role === 'worker' && identity.scopeGridId != null) return [gridRoom(identity.scopeGridId)];
  return [];
}

/** True when a member of `rooms` may see the event (street sees all; a grid room sees its grid's events). */
export function visibleIn(rooms: readonly string[], e: LiveEvent): boolean {
  if (rooms.includes(STREET_ROOM)) return true;
  const g = eventGridId(e);
  return g != null && rooms.includes(gridRoom(g));
}
