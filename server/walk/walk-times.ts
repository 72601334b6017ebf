// Walking times between arbitrary points over the cached network, for dispatch: "how long would each
// worker take to walk to this incident?" One bounded search from the incident on the reversed arcs gives
// every worker's time at once (workers walk TO the incident).
import type { CoverageEngine } from '../coverage/coverage-engine';
import { timeAtPoint, timeFieldFromPoints } from './dijkstra';
import { networkAccess, snapSearchRadiusM } from './network-access';

export interface LonLat { lon: number; lat: number }

/**
 * Seconds for each `from` point to walk to `to` (the access walk to the network at both ends added by the
 * engine's access rule, network-access.ts), or null when there is no path within `cutoffS` or a point is
 * unreachable by the network (farther than the rule's limit from every walkable edge).
 */
export async function walkingTimesTo(
  engine: CoverageEngine,
  to: LonLat,
  from: readonly LonLat[],
  cutoffS = 3600,
): Promise<Array<number | null>> {
  const { graph } = await engine.getState();
  const index = await engine.snapIndex();
  const rule = engine.access;
  const radius = snapSearchRadiusM(rule);
  const target = index.nearest(to.lon, to.lat, radius);
  const targetAccess = networkAccess(target?.distanceM ?? null, rule);
  if (!target || targetAccess.status === 'unreachable') return from.map(() => null);
  const field = timeFieldFromPoints(graph, [{ edge: target.edge, fraction: target.fraction, origin: 0, offsetS: targetAccess.walkS }], 'to', cutoffS);
  return from.map((p) => {
    const s = index.nearest(p.lon, p.lat, radius);
    const access = networkAccess(s?.distanceM ?? null, rule);
    if (!s || access.status === 'unreachable') return null;
    const t = timeAtPoint(graph, field, { edge: s.edge, fraction: s.fraction }).timeS + access.walkS;
    return Number.isFinite(t) && t <= cutoffS ? t : null;
  });
}
