// Covered residents and buildings per area from per-building walking times, and the comparison with the
// GB 50180-2018 straight-line radii (5/10/15 min ≈ 300/500/1000 m), which shows how much a circle overstates.
import { LIFE_CIRCLE_RADII_M } from '../../common/domain';
import { facilityAccessOf, type AreaNames, type BuildingSet, type FacilityPoint } from './coverage-data';
import type { AreaFigures, CircleComparison, CoverageSummary, LifeCircleMinutes, NetworkAccessStatus } from '../../common/coverage';
import { accessRuleInfo, DEFAULT_ACCESS_RULE, type AccessRule } from '../walk/network-access';

export type { AreaFigures, CircleComparison, CoverageSummary, LifeCircleMinutes };

function emptyFigures(): AreaFigures {
  return { buildings: 0, buildingsCovered: 0, residents: 0, residentsCovered: 0, residentShare: 0, buildingShare: 0, buildingsUnreachable: 0, residentsUnreachable: 0 };
}

function finish<T extends AreaFigures>(f: T): T {
  f.residentShare = f.residents > 0 ? f.residentsCovered / f.residents : 0;
  f.buildingShare = f.buildings > 0 ? f.buildingsCovered / f.buildings : 0;
  return f;
}

const M_PER_DEG_LAT = 111_320;

/**
 * For each building: is it within `radiusM` in a straight line of some facility? Facilities are bucketed
 * in cells of the radius so each building looks at 9 cells only (a city has thousands of facilities).
 */
export function withinStraightLine(b: BuildingSet, facilities: readonly FacilityPoint[], radiusM: number): Uint8Array {
  const inside = new Uint8Array(b.count);
  if (facilities.length === 0 || b.count === 0) return inside;
  const lat0 = facilities[0].lat;
  const mx = M_PER_DEG_LAT * Math.cos((lat0 * Math.PI) / 180);
  const cells = new Map<number, FacilityPoint[]>();
  // Numeric cell keys (no string per lookup): cell indices stay far below 2^21 for any place on Earth.
  const key = (cx: number, cy: number) => (cx + 2 ** 21) * 2 ** 22 + (cy + 2 ** 21);
  for (const f of facilities) {
    const k = key(Math.floor((f.lon * mx) / radiusM), Math.floor((f.lat * M_PER_DEG_LAT) / radiusM));
    const list = cells.get(k) ?? [];
    list.push(f);
    cells.set(k, list);
  }
  const r2 = radiusM * radiusM;
  for (let i = 0; i < b.count; i++) {
    const x = b.lon[i] * mx, y = b.lat[i] * M_PER_DEG_LAT;
    const cx = Math.floor(x / radiusM), cy = Math.floor(y / radiusM);
    search: for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const f of cells.get(key(cx + dx, cy + dy)) ?? []) {
          const ex = f.lon * mx - x, ey = f.lat * M_PER_DEG_LAT - y;
          if (ex * ex + ey * ey <= r2) { inside[i] = 1; break search; }
        }
      }
    }
  }
  return inside;
}

/** Street totals only (what-if bands): one pass, no areas, no circle. */
export function streetFigures(b: BuildingSet, timesS: Float64Array, limitS: number): AreaFigures {
  const f = emptyFigures();
  for (let i = 0; i < b.count; i++) {
    f.buildings++;
    f.residents += b.residents[i];
    if (timesS[i] <= limitS) { f.buildingsCovered++; f.residentsCovered += b.residents[i]; }
    if (b.unreachable[i]) { f.buildingsUnreachable++; f.residentsUnreachable += b.residents[i]; }
  }
  return finish(f);
}

export function coverageSummary(
  type: string,
  minutes: LifeCircleMinutes,
  b: BuildingSet,
  timesS: Float64Array,
  facilities: readonly FacilityPoint[],
  names: AreaNames,
  access: AccessRule = DEFAULT_ACCESS_RULE,
): CoverageSummary {
  const limit = minutes * 60;
  const street = emptyFigures();
  const byCommunity = new Map<number, AreaFigures>();
  const byGrid = new Map<number, AreaFigures>();
  for (const id of names.communities.keys()) byCommunity.set(id, emptyFigures());
  for (const id of names.grids.keys()) byGrid.set(id, emptyFigures());
  const circle = withinStraightLine(b, facilities, LIFE_CIRCLE_RADII_M[minutes]);
  let residentsInCircle = 0, buildingsInCircle = 0, residentsOverstated = 0, buildingsOverstated = 0;
  for (let i = 0; i < b.count; i++) {
    const covered = timesS[i] <= limit;
    const r = b.residents[i];
    const targets = [street];
    const c = b.communityId[i] >= 0 ? byCommunity.get(b.communityId[i]) : undefined;
    if (c) targets.push(c);
    const gr = b.gridId[i] >= 0 ? byGrid.get(b.gridId[i]) : undefined;
    if (gr) targets.push(gr);
    const unreachable = b.unreachable[i] === 1;
    for (const t of targets) {
      t.buildings++;
      t.residents += r;
      if (covered) { t.buildingsCovered++; t.residentsCovered += r; }
      if (unreachable) { t.buildingsUnreachable++; t.residentsUnreachable += r; }
    }
    if (circle[i]) {
      buildingsInCircle++;
      residentsInCircle += r;
      if (!covered) { buildingsOverstated++; residentsOverstated += r; }
    }
  }
  finish(street);
  const facilityAccess: Record<NetworkAccessStatus, number> = { on_network: 0, walk_added: 0, unreachable: 0 };
  for (const f of facilities) facilityAccess[f.access.status]++;
  const offNetworkFacilities = facilities
    .filter((f) => f.access.status !== 'on_network')
    .map(facilityAccessOf)
    // Unreachable first, then the longest access walks: what a planner should look at first.
    .sort((x, y) => Number(y.status === 'unreachable') - Number(x.status === 'unreachable') || (y.snapDistanceM ?? Infinity) - (x.snapDistanceM ?? Infinity) || x.id - y.id);
  return {
    type,
    minutes,
    facilities: facilities.length,
    street,
    communities: [...byCommunity].map(([id, f]) => ({ id, name: names.communities.get(id) ?? String(id), ...finish(f) })),
    grids: [...byGrid].map(([id, f]) => {
      const g = names.grids.get(id);
      return { id, code: g?.code ?? '', name: g?.name ?? String(id), communityId: g?.communityId ?? -1, ...finish(f) };
    }),
    circle: {
      radiusM: LIFE_CIRCLE_RADII_M[minutes],
      residentsInCircle,
      buildingsInCircle,
      residentsOverstated,
      buildingsOverstated,
      overstatementRatio: street.residentsCovered > 0 ? (residentsInCircle - street.residentsCovered) / street.residentsCovered : null,
    },
    access: accessRuleInfo(access),
    facilityAccess,
    offNetworkFacilities,
  };
}
