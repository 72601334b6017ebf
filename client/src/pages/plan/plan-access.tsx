// How facilities and buildings meet the walking network, on /plan (server/walk/network-access.ts): the
// buildings the network cannot reach, the facilities whose straight access walk is added to their times
// or that are unreachable (farthest first, with their distance), and notes on what-if sites placed off it.
import type { AccessRuleInfo, AreaFigures, FacilityAccess, NetworkAccessStatus, PointAccess, ScenarioChange } from '../../../../common/coverage';
import { usePlanText } from './plan-text';

/** Rows of the facility list before "N more". */
const LISTED = 8;

export function UnreachableBuildings({ figures, maxM }: { figures: AreaFigures; maxM: number }) {
  const { p, number } = usePlanText();
  return (
    <p className={figures.buildingsUnreachable > 0 ? 'access-note warn' : 'access-note'} data-testid="plan-unreachable-buildings">
      {p('unreachableBuildings', { b: number(figures.buildingsUnreachable), r: number(figures.residentsUnreachable), max: maxM })}
    </p>
  );
}

function useAccessWords() {
  const { p } = usePlanText();
  return (a: PointAccess) => {
    const m = a.snapDistanceM == null ? null : Math.round(a.snapDistanceM);
    if (a.status === 'unreachable') return m == null ? p('accessNoNetwork') : p('accessUnreachable', { m });
    return p('accessWalk', { m: m ?? 0, s: Math.round(a.accessWalkS ?? 0) });
  };
}

export function AccessSection({ rule, counts, list }: { rule: AccessRuleInfo; counts: Record<NetworkAccessStatus, number> | null; list: FacilityAccess[] | null }) {
  const { p } = usePlanText();
  // Sites added in a what-if have negative ids (what-if.ts) and a placeholder name from the server.
  const nameOf = (f: FacilityAccess) => (f.id < 0 ? p('virtual') : f.name);
  const words = useAccessWords();
  const off = list ?? [];
  return (
    <section data-testid="plan-access">
      <h3>{p('accessTitle')}</h3>
      <p className="muted small">{p('accessRule', { tol: rule.toleranceM, max: rule.maxM })}</p>
      {counts && (
        <p className="small" data-testid="plan-access-counts">
          {off.length === 0 ? p('accessAllOn') : p('accessCounts', { walk: counts.walk_added, unreachable: counts.unreachable, on: counts.on_network })}
        </p>
      )}
      {off.length > 0 && (
        <ol className="access-list">
          {off.slice(0, LISTED).map((f) => (
            <li key={f.id} data-status={f.status} className={f.status}>
              <span className="access-dot" aria-hidden />
              <span className="access-name">{nameOf(f)}</span>
              <span className="num">{words(f)}</span>
            </li>
          ))}
          {off.length > LISTED && <li className="muted">{p('accessMore', { n: off.length - LISTED })}</li>}
        </ol>
      )}
    </section>
  );
}

/** Sites the planner added or moved that do not stand on the network: say what that does to them. */
export function WhatIfAccessNotes({ facilities, changes, maxM }: {
  facilities: ReadonlyArray<{ id: number; name: string; virtual: boolean } & PointAccess>;
  changes: readonly ScenarioChange[];
  maxM: number;
}) {
  const { p } = usePlanText();
  const moved = new Set(changes.flatMap((c) => (c.op === 'move' ? [c.facilityId] : [])));
  const notes = facilities.filter((f) => (f.virtual || moved.has(f.id)) && f.status !== 'on_network');
  const nameOf = (f: { name: string; virtual: boolean }) => (f.virtual ? p('virtual') : f.name);
  if (notes.length === 0) return null;
  return (
    <ul className="access-notes" data-testid="what-if-access">
      {notes.map((f) => (
        <li key={f.id} className={f.status}>
          {f.status === 'unreachable'
            ? p('siteUnreachable', { name: nameOf(f), m: f.snapDistanceM == null ? `> ${maxM}` : Math.round(f.snapDistanceM), max: maxM })
            : p('siteWalk', { name: nameOf(f), m: Math.round(f.snapDistanceM ?? 0), s: Math.round(f.accessWalkS ?? 0) })}
        </li>
      ))}
    </ul>
  );
}
