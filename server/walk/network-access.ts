// The one rule for how a point off the walking network reaches it (issue 16 item 4, "honest access").
// Every place that snaps a facility, a building, a what-if site, an incident or a worker to the network
// asks this module what the straight line between the point and its snap point costs:
//
//   distance ≤ toleranceM        → on the network: nothing is added (GPS and digitising noise);
//   toleranceM < distance ≤ maxM → the straight line is walked at the network's speed and added to every
//                                  time through the point (both ends: the facility's and the building's);
//   distance > maxM (or no edge) → unreachable by the network: the point gets no time at all, so a
//                                  building is not covered and a facility covers nobody; both are reported.
//
// The limit keeps a facility in the middle of a park or across a fence-less gap in the data from being
// credited with a straight-line shortcut the network does not show. Defaults are documented in README.md
// ("Configuration": ACCESS_TOLERANCE_M, ACCESS_MAX_M).
import { WALK_SPEED_MPS } from '../../common/domain';
import type { AccessRuleInfo, NetworkAccessStatus } from '../../common/coverage';

export type { NetworkAccessStatus };

export interface AccessRule {
  toleranceM: number;
  maxM: number;
}

/** 5 m: a point drawn on the street line; 300 m: GB 50180-2018's 5-minute radius, beyond which a straight walk is no longer "getting to the street". */
export const DEFAULT_ACCESS_RULE: Readonly<AccessRule> = { toleranceM: 5, maxM: 300 };

/**
 * How far the in-memory snap index looks for an edge (m). Points beyond maxM are unreachable anyway; looking
 * a little farther lets the answer say how far off they are instead of only "far".
 */
export function snapSearchRadiusM(rule: AccessRule): number {
  return Math.max(2000, 2 * rule.maxM);
}

export interface NetworkAccess {
  status: NetworkAccessStatus;
  /** Straight-line metres to the snap point; null when no edge was found at all. */
  distanceM: number | null;
  /** Metres walked off the network (0 on it); Infinity when unreachable. */
  walkM: number;
  /** Seconds added to every time through the point (0 on it); Infinity when unreachable. */
  walkS: number;
}

/** The rule applied to one point's straight-line distance to its snap point (null/undefined: no edge found). */
export function networkAccess(distanceM: number | null | undefined, rule: AccessRule = DEFAULT_ACCESS_RULE): NetworkAccess {
  if (distanceM == null || !Number.isFinite(distanceM) || distanceM > rule.maxM) {
    return { status: 'unreachable', distanceM: distanceM == null || !Number.isFinite(distanceM) ? null : distanceM, walkM: Infinity, walkS: Infinity };
  }
  if (distanceM <= rule.toleranceM) return { status: 'on_network', distanceM, walkM: 0, walkS: 0 };
  return { status: 'walk_added', distanceM, walkM: distanceM, walkS: distanceM / WALK_SPEED_MPS };
}

export function accessRuleInfo(rule: AccessRule): AccessRuleInfo {
  return { toleranceM: rule.toleranceM, maxM: rule.maxM, speedMps: WALK_SPEED_MPS };
}

/** Validates a rule given in code (config values are checked by zod in server/config.ts). */
export function checkAccessRule(rule: AccessRule): AccessRule {
  if (!(rule.toleranceM >= 0) || !(rule.maxM >= rule.toleranceM) || !Number.isFinite(rule.maxM)) {
    throw new RangeError(`access rule: need 0 ≤ toleranceM (${rule.toleranceM}) ≤ maxM (${rule.maxM}) < ∞`);
  }
  return rule;
}
