// Which rooms a connection belongs to, derived only from its authenticated identity: a client never names
// the room it joins (QUALITY.md "a socket joining a room it may not see").
import type { UserRole } from '../../common/domain';
import { STREET_ROOM, eventAssigneeId, eventGridId, gridRoom, personRoom, type LiveEvent } from '../../common/realtime';
import type { Identity } from '../auth/identity';

/** Roles that see the whole street (aggregates and live points; personal data is never in events). */
const STREET_ROLES: ReadonlySet<UserRole> = new Set<UserRole>(['wall', 'dispatcher', 'leader', 'planner', 'admin']);

/** A worker joins their grid's room and their own person room (the cases assigned to them, in any grid). */
export function roomsFor(identity: (Pick<Identity, 'role' | 'scopeGridId'> & { personId?: number | null }) | undefined | null): string[] {
  if (!identity) return [];
  if (STREET_ROLES.has(identity.role)) return [STREET_ROOM];
  if (identity.role !== 'worker') return [];
  const rooms: string[] = [];
  if (identity.scopeGridId != null) rooms.push(gridRoom(identity.scopeGridId));
  if (identity.personId != null) rooms.push(personRoom(identity.personId));
  return rooms;
}

/** True when a member of `rooms` may see the event (street: all; a grid room: its grid's; a person room: its cases). */
export function visibleIn(rooms: readonly string[], e: LiveEvent): boolean {
  if (rooms.includes(STREET_ROOM)) return true;
  const g = eventGridId(e);
  if (g != null && rooms.includes(gridRoom(g))) return true;
  const assignee = eventAssigneeId(e);
  return assignee != null && rooms.includes(personRoom(assignee));
}
