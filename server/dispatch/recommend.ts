// Who should take an incident (PRODUCT.md §5 "Dispatch"). Ranking:
//   1. the worker of the grid the incident lies in, when on duty;
//   2. on-duty grid workers and volunteers with a known position, by walking time over the network
//      (compared in whole minutes, so that people a few seconds apart are told apart by …)
//   3. … their current workload (open tasks: assigned or in progress), then id for a stable order;
//   people the network cannot reach within the cutoff follow, by workload; the owning grid's worker, when
//   off duty, is listed last and marked unavailable (assigning them answers WORKER_UNAVAILABLE).
// Walking times come from a WalkTimeSource (the walking engine); the top candidates get their route.
import type { UserRole } from '../../common/domain';
import { AppError } from '../../common/errors';
import type { CandidateDto, CandidatesDto } from '../../common/incidents';
import type { Queryable } from '../db/db';
import { canSeeNames, maskName } from '../privacy/masking';
import { NoWalkNetworkError, type WalkTimeSource } from './walk-time-source';
import type { ScopePolicy } from '../auth/scope';

export interface RecommendOptions {
  /** At most this many candidates. */
  limit?: number;
  /** Routes are drawn for this many of the top reachable candidates. */
  routes?: number;
  /** Walks longer than this count as unreachable (s). */
  cutoffS?: number;
}

export const DEFAULT_CUTOFF_S = 2 * 3600;
const CANDIDATE_ROLES = ['grid_worker', 'volunteer'] as const;

interface PersonRow {
  id: number;
  name: string;
  role: CandidateDto['role'];
  grid_id: number | null;
  on_duty: boolean;
  lon: number | null;
  lat: number | null;
  workload: number;
}

/**
 * The ranked people to send to a case. `scope` decides which case may be ranked (ScopePolicy.mayReadCase; out
 * of scope answers as a missing case) and whose people are candidates (street roles: everyone on duty; a grid
 * worker's scope: the people of their grid only). Today the route is for street roles, so the scope is the
 * street's; it is a required argument so that opening it to another scope cannot skip it. `role` decides
 * masking only.
 */
export async function recommendCandidates(
  q: Queryable,
  walk: WalkTimeSource,
  incidentId: number,
  role: UserRole,
  scope: ScopePolicy,
  opts: RecommendOptions = {},
): Promise<CandidatesDto> {
  const limit = opts.limit ?? 20;
  const cutoffS = opts.cutoffS ?? DEFAULT_CUTOFF_S;
  const inc = await q.query<{ id: number; version: number; grid_id: number | null; assignee_id: number | null; lon: number; lat: number; worker_id: number | null }>(
    `SELECT i.id, i.version, i.grid_id, i.assignee_id, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, g.worker_id
       FROM incidents i LEFT JOIN grids g ON g.id = i.grid_id WHERE i.id = $1`,
    [incidentId],
  );
  const incident = inc.rows[0];
  if (!incident || !scope.mayReadCase(incident)) throw new AppError('NOT_FOUND', `no incident with id ${incidentId}`, 'params.id');

  const params: unknown[] = [incident.worker_id, CANDIDATE_ROLES];
  const people = await q.query<PersonRow>(
    `SELECT p.id, p.name, p.role, p.grid_id, p.on_duty, ST_X(p.position) AS lon, ST_Y(p.position) AS lat,
            (SELECT count(*)::int FROM incidents w WHERE w.assignee_id = p.id AND w.status IN ('assigned', 'in_progress')) AS workload
       FROM people p
      WHERE p.left_at IS NULL AND (p.id = $1 OR (p.role = ANY($2::text[]) AND p.on_duty AND p.position IS NOT NULL))
        AND ${scope.where((g) => `p.grid_id = ${g}`, (v) => `$${params.push(v)}`)}`,
    params,
  );
  const own = incident.worker_id;
  const targets = people.rows.filter((p) => p.on_duty && p.lon != null && p.lat != null).map((p) => ({ key: p.id, lon: p.lon as number, lat: p.lat as number }));

  let times = new Map<number, { seconds: number; meters: number; route: [number, number][] | null }>();
  let walkSource: string;
  try {
    walkSource = await walk.describe();
    // First pass without routes to rank; second only for the routes of the top few.
    times = await walk.timesTo({ lon: incident.lon, lat: incident.lat }, targets, { cutoffS, routesFor: new Set() });
  } catch (err) {
    if (!(err instanceof NoWalkNetworkError)) throw err;
    walkSource = 'none: no walking network is loaded, so no walking times';
  }

  const ranked = people.rows
    .map((p) => {
      const t = times.get(p.id);
      const ownGrid = p.id === own;
      const group = ownGrid && p.on_duty ? 0 : !p.on_duty ? 3 : t ? 1 : 2;
      return { p, t, ownGrid, group, minutes: t ? Math.round(t.seconds / 60) : Infinity };
    })
    .sort((a, b) => a.group - b.group || a.minutes - b.minutes || a.p.workload - b.p.workload || a.p.id - b.p.id)
    .slice(0, limit);

  const routeKeys = new Set(ranked.filter((r) => r.t).slice(0, opts.routes ?? 3).map((r) => r.p.id));
  if (routeKeys.size > 0) {
    const withRoutes = await walk.timesTo(
      { lon: incident.lon, lat: incident.lat },
      targets.filter((t) => routeKeys.has(t.key)),
      { cutoffS, routesFor: routeKeys },
    );
    for (const [k, v] of withRoutes) {
      const t = times.get(k);
      if (t) t.route = v.route;
    }
  }

  const showNames = canSeeNames(role);
  return {
    incidentId: incident.id,
    incidentVersion: incident.version,
    walkSource,
    candidates: ranked.map((r, i) => ({
      personId: r.p.id,
      name: showNames ? r.p.name : maskName(r.p.name),
      role: r.p.role,
      gridId: r.p.grid_id,
      ownGrid: r.ownGrid,
      onDuty: r.p.on_duty,
      available: r.p.on_duty,
      position: r.p.lon != null && r.p.lat != null ? [r.p.lon, r.p.lat] : null,
      walkSeconds: r.t ? Math.round(r.t.seconds) : null,
      walkMeters: r.t ? r.t.meters : null,
      workload: r.p.workload,
      route: r.t?.route ? { type: 'LineString', coordinates: r.t.route } : null,
      rank: i + 1,
    })),
  };
}
