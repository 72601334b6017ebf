// Walking times between arbitrary points over the cached network, for dispatch: "how long would each
// worker take to walk to this incident?" One bounded search from the incident on the reversed arcs gives
// every worker's time at once (workers walk TO the incident).
import type { CoverageEngine } from '../coverage/coverage-engine';
import { timeAtPoint, timeFieldFromPoints } from './dijkstra';
import { WALK_SPEED_MPS } from '../../common/domain';

export interface LonLat { lon: number; lat: number }

/** Points farther than this from any walkable edge are treated as off the network (null time). */
export const MAX_ACCESS_M = 500;

/**
 * Seconds for each `from` point to walk to `to` (access walk to the network at both ends included), or
 * null when there is no path within `cutoffS` or a point is off the network.
 */
export async function walkingTimesTo(
  engine: CoverageEngine,
  to: LonLat,
  from: readonly LonLat[],
  cutoffS = 3600,
): Promise<Array<number | null>> {
  const { graph } = await engine.getState();
  const index = await engine.snapIndex();
  const target = index.nearest(to.lon, to.lat, MAX_ACCESS_M);
  if (!target) return from.map(() => null);
  const field = timeFieldFromPoints(graph, [{ edge: target.edge, fraction: target.fraction, origin: 0 }], 'to', cutoffS);
  const targetAccess = target.distanceM / WALK_SPEED_MPS;
  return from.map((p) => {
    const s = index.nearest(p.lon, p.lat, MAX_ACCESS_M);
    if (!s) return null;
    const t = timeAtPoint(graph, field, { edge: s.edge, fraction: s.fraction }).timeS + s.distanceM / WALK_SPEED_MPS + targetAccess;
    return Number.isFinite(t) && t <= cutoffS ? t : null;
  });
}
