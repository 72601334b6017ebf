// SIMULATION: drives the REAL HTTP API with a believable day — incidents arriving by hour and category,
// a few persistent hot areas, parking occupancy following daily curves, grid workers patrolling along the
// street's paths — and the closed loop: open incidents (its own and the existing backlog) are accepted, assigned,
// worked, verified by a second account, closed with a reply and rated (server/simulator/closed-loop.ts). Reports
// are sent with `X-Simulation: 1`, so they are stored with source 'simulator'. Everything it sends goes through the same validation, transactions and events as real
// input; incident titles carry "【模拟】" so simulated cases are never mistaken for real ones.
// With worker accounts (fieldAccounts) some grid workers are on simulated phones (server/simulator/field-crew.ts):
// they work their cases, report on patrol and send their own positions through the /m app's API.
import { randomUUID } from 'node:crypto';
import { STREET } from '../../common/domain';
import type { LiveSnapshot, ParkingLive } from '../../common/realtime';
import type { IncidentDto, IncidentListDto } from '../../common/incidents';
import { RESIDENT_CATEGORIES, type ResidentCategory } from '../../common/resident';
import { ApiClient, errorCode } from './api-client';
import { ResidentClient } from './resident-client';
import { ClosedLoop, type ClosedLoopSummary } from './closed-loop';
import { FieldCrew, type FieldAccount, type FieldCrewSummary, type GridFeature } from './field-crew';
import {
  TITLES, categoryMix, expectedArrivals, gaussian, parkingOccupancyShare, pickWeighted, poisson, prng, shanghaiClock,
} from './day-model';

export interface SimulationOptions {
  url: string;
  username: string;
  password: string;
  /** Simulated seconds per real second (60: one real second is one simulated minute). */
  speed: number;
  /** Average incidents per simulated hour over a whole day. */
  rate: number;
  /** Real seconds to run before stopping (the hard bound, whatever else is set). */
  durationS: number;
  /** Stop earlier once this many simulated hours have passed (a fixed stretch of the day, however slow the machine). */
  simulatedHours?: number;
  /** Simulated start time (default: now). */
  start: Date;
  seed: number;
  /** A second account that verifies (核查 must be by someone other than the handler); absent → cases stop at resolved. */
  verifierUsername?: string;
  verifierPassword?: string;
  /** Walk open incidents through the closed loop (default true). */
  closedLoop?: boolean;
  /** Pick up the open incidents already in the database too (default true). */
  backlog?: boolean;
  /** Closed-loop commands in flight at once (default 4). */
  concurrency?: number;
  /**
   * Share of reports sent by simulated residents through the public API (/api/public: proof of work solved
   * here, no account), default 0.15; 0 turns it off. They are stored with source 'resident' (that is what
   * the route stores), so their text carries 【模拟】 like every simulated title.
   */
  residentShare?: number;
  /**
   * Grid worker accounts (role worker, linked to a person) to sign in as simulated phones; absent or empty →
   * no field side (the dispatcher works cases on the workers' behalf, as before).
   */
  fieldAccounts?: readonly FieldAccount[];
  /** Patrol reports per phone per simulated hour (default 0.5). */
  patrolPerHour?: number;
  /** Share of in-grid patrol reports fixed on the spot (随手办), default 0.35. */
  fixOnSpotShare?: number;
  log(line: string): void;
  signal?: AbortSignal;
}

export interface SimulationSummary {
  incidentsSent: number;
  incidentsRefused: number;
  /** Reports sent (and refused) as residents through the public API; not part of incidentsSent/Refused. */
  residentSent: number;
  residentRefused: number;
  parkingUpdates: number;
  parkingConflicts: number;
  positionFixes: number;
  simulatedEnd: Date;
  loop: ClosedLoopSummary | null;
  /** What the simulated phones did through /api/field (null without field accounts). */
  field: FieldCrewSummary | null;
}

type LonLat = [number, number];
/** A worker walking back and forth along a path; `at` is metres from its start. */
interface Patrol { personId: number; path: LonLat[]; cum: number[]; at: number; dir: 1 | -1 }

const TICK_MS = 1000;
const MAX_REPORTS_PER_TICK = 50;
const WALK_MPS = 1.2;
const M_PER_DEG_LAT = 111_320;

interface Feature { geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }

function centroidOf(f: Feature): LonLat | null {
  const pts: LonLat[] = [];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number') pts.push([c[0], c[1]]);
    else if (Array.isArray(c)) c.forEach(walk);
  };
  walk(f.geometry?.coordinates);
  if (!pts.length) return null;
  return [pts.reduce((a, p) => a + p[0], 0) / pts.length, pts.reduce((a, p) => a + p[1], 0) / pts.length];
}

function metresBetween(a: LonLat, b: LonLat): number {
  const dx = (b[0] - a[0]) * M_PER_DEG_LAT * Math.cos((a[1] * Math.PI) / 180);
  const dy = (b[1] - a[1]) * M_PER_DEG_LAT;
  return Math.hypot(dx, dy);
}

function jitter(p: LonLat, metres: number, rand: () => number): LonLat {
  const dLat = (gaussian(rand) * metres) / M_PER_DEG_LAT;
  const dLon = (gaussian(rand) * metres) / (M_PER_DEG_LAT * Math.cos((p[1] * Math.PI) / 180));
  return [p[0] + dLon, p[1] + dLat];
}

/** Moves a patrol `metres` along its path, turning round at either end; returns the new position. */
export function advancePatrol(p: Patrol, metres: number): LonLat {
  const total = p.cum[p.cum.length - 1];
  if (total <= 0) return p.path[0];
  let at = p.at + p.dir * (metres % (2 * total));
  while (at < 0 || at > total) {
    if (at > total) [at, p.dir] = [2 * total - at, -1];
    else [at, p.dir] = [-at, 1];
  }
  p.at = at;
  let i = 1;
  while (i < p.cum.length - 1 && p.cum[i] < at) i++;
  const seg = p.cum[i] - p.cum[i - 1] || 1;
  const f = (at - p.cum[i - 1]) / seg;
  return [p.path[i - 1][0] + (p.path[i][0] - p.path[i - 1][0]) * f, p.path[i - 1][1] + (p.path[i][1] - p.path[i - 1][1]) * f];
}

export async function runSimulation(o: SimulationOptions): Promise<SimulationSummary> {
  const rand = prng(o.seed);
  const api = new ApiClient(o.url.replace(/\/$/, ''));
  await api.login(o.username, o.password);
  const summary: SimulationSummary = { incidentsSent: 0, incidentsRefused: 0, residentSent: 0, residentRefused: 0, parkingUpdates: 0, parkingConflicts: 0, positionFixes: 0, simulatedEnd: o.start, loop: null, field: null };
  const bbox = STREET.bbox.join(',');
  const grids = await api.call<{ features?: Feature[] }>('GET', `/api/layers/grids?bbox=${bbox}`);

  // The phones sign in first, so the closed loop knows whose cases to leave to them (the backlog's too).
  const patrolAt = new Map<number, LonLat>();
  let crew: FieldCrew | null = null;
  if (o.fieldAccounts?.length) {
    crew = new FieldCrew({
      base: o.url.replace(/\/$/, ''), accounts: o.fieldAccounts, rand, loop: null,
      patrolPosition: (personId) => patrolAt.get(personId) ?? null,
      grids: (grids.body.features ?? []) as GridFeature[],
      patrolPerHour: o.patrolPerHour, fixOnSpotShare: o.fixOnSpotShare,
      concurrency: Math.max(1, Math.min(16, o.concurrency ?? 4)), log: o.log,
    });
    summary.field = crew.summary;
    o.log(`  field: ${await crew.signIn(o.start.getTime())} of ${o.fieldAccounts.length} simulated phones signed in and on duty`);
  }

  let loop: ClosedLoop | null = null;
  if (o.closedLoop !== false) {
    let verifier: ApiClient | null = null;
    if (!o.verifierUsername || !o.verifierPassword) {
      o.log('  closed loop: no verifying account given (--verifier-user/--verifier-password): cases will stop before verify');
    } else if (o.verifierUsername === o.username) {
      o.log('  closed loop: the verifier must be a different user than the dispatcher who resolves: cases will stop before verify');
    } else {
      verifier = new ApiClient(o.url.replace(/\/$/, ''));
      try {
        await verifier.login(o.verifierUsername, o.verifierPassword);
      } catch (err) {
        o.log(`  closed loop: ${err instanceof Error ? err.message : String(err)} — cases will stop before verify`);
        verifier = null;
      }
    }
    loop = new ClosedLoop({ api, verifier, rand, concurrency: Math.max(1, Math.min(16, o.concurrency ?? 4)), log: o.log, fieldWorkers: crew?.personIds });
    crew?.attach(loop);
    summary.loop = loop.summary;
    if (o.backlog !== false) o.log(`  closed loop: picked up ${await loop.loadBacklog(o.start.getTime())} open incidents`);
  }

  // Where incidents happen: building centres (or grid centres), with a few persistent hot areas.
  const buildings = await api.call<{ features?: Feature[] }>('GET', `/api/layers/buildings?bbox=${bbox}`);
  let places = (buildings.body.features ?? []).map(centroidOf).filter((p): p is LonLat => p !== null);
  if (!places.length) places = (grids.body.features ?? []).map(centroidOf).filter((p): p is LonLat => p !== null);
  if (!places.length) places = [STREET.center];
  const hotAreas = Array.from({ length: Math.min(4, places.length) }, () => places[Math.floor(rand() * places.length)]);
  // with phones, two more hot areas in phone workers' grids, so the demo's field side has cases to work
  if (crew?.personIds.size) {
    const phoneGrids = (grids.body.features ?? []).filter((g) => crew?.gridIds.has(Number(g.properties?.id)));
    for (let i = 0; i < 2 && phoneGrids.length; i++) {
      const c = centroidOf(phoneGrids[Math.floor(rand() * phoneGrids.length)]);
      if (c) hotAreas.push(c);
    }
  }
  o.log(`  places: ${places.length}, hot areas: ${hotAreas.map((h) => `${h[0].toFixed(4)},${h[1].toFixed(4)}`).join('  ')}`);

  // Patrol paths: street lines of the offline basemap near each worker's grid (else a loop round the grid centre).
  const basemap = await api.call<{ features?: Feature[] }>('GET', '/api/basemap/features.geojson');
  const lines: LonLat[][] = (basemap.body.features ?? [])
    .filter((f) => f.geometry?.type === 'LineString' && ['road_minor', 'path', 'road_major'].includes(String(f.properties?.kind)))
    .map((f) => f.geometry.coordinates as LonLat[])
    .filter((l) => l.length >= 2);
  const roster = await api.call<{ workers?: Array<{ personId: number; position: { lon: number; lat: number } | null; gridCenter: { lon: number; lat: number } | null }> }>(
    'GET', '/api/live/workers/roster');
  const patrols: Patrol[] = (roster.body.workers ?? []).map((w) => {
    const home: LonLat = w.position ? [w.position.lon, w.position.lat] : w.gridCenter ? [w.gridCenter.lon, w.gridCenter.lat] : STREET.center;
    let best: LonLat[] | undefined;
    let bestD = Infinity;
    for (const l of lines) {
      const d = metresBetween(home, l[Math.floor(l.length / 2)]);
      if (d < bestD) [best, bestD] = [l, d];
    }
    const path = best && bestD < 400 ? best : Array.from({ length: 9 }, (_, i): LonLat => {
      const a = (i / 8) * 2 * Math.PI;
      return [home[0] + (Math.cos(a) * 120) / (M_PER_DEG_LAT * Math.cos((home[1] * Math.PI) / 180)), home[1] + (Math.sin(a) * 120) / M_PER_DEG_LAT];
    });
    const cum = [0];
    for (let i = 1; i < path.length; i++) cum.push(cum[i - 1] + metresBetween(path[i - 1], path[i]));
    return { personId: w.personId, path, cum, at: rand() * cum[cum.length - 1], dir: 1 };
  });
  o.log(`  patrolling workers: ${patrols.length}, street lines: ${lines.length}`);

  // Simulated residents: a few phones (device ids), each behind its own documentation-range address
  // (198.18.0.0/15, RFC 2544) sent as X-Forwarded-For — the server trusts that header only from loopback,
  // so from another host every phone shares the simulator's address and the per-address limit applies.
  const residentShare = Math.max(0, Math.min(1, o.residentShare ?? 0.15));
  const phones = Array.from({ length: 40 }, (_, i) => new ResidentClient(o.url.replace(/\/$/, ''), undefined, { 'x-forwarded-for': `198.18.${Math.floor(i / 200)}.${(i % 200) + 1}` }));
  let residentSeq = 0;
  const sendAsResident = async (category: ResidentCategory, title: string, lon: number, lat: number, simNow: number): Promise<boolean> => {
    const phone = phones[Math.floor(rand() * phones.length)];
    const tag = `R${Date.now().toString(36)}${(residentSeq++).toString(36)}`;
    const res = await phone.report({ category, description: `${title}（居民上报 ${tag}）\nSIMULATION — generated by npm run simulate (模拟数据)`, location: { lon, lat } });
    if (res.status !== 201) {
      if (summary.residentRefused++ === 0) o.log(`  resident report refused: ${res.status} ${errorCode(res.body) ?? ''} (further refusals are only counted)`);
      return false;
    }
    summary.residentSent++;
    // The public answer is the tracking code only; the dispatcher finds the incident to walk it through the loop.
    const found = await api.call<IncidentListDto>('GET', '/api/incidents?status=reported&sort=-id&limit=50');
    const dto = found.body.items?.find((i) => i.source === 'resident' && i.description.includes(tag));
    if (dto) loop?.trackReported(dto, simNow);
    return true;
  };

  let lots: ParkingLive[] = [];
  const refreshLots = async () => {
    const snap = await api.call<LiveSnapshot>('GET', '/api/live/snapshot');
    lots = snap.body.parking ?? [];
  };
  await refreshLots();
  o.log(`  parking lots: ${lots.length}`);

  const realStart = Date.now();
  let simNow = o.start.getTime();
  let lastParkingSim = 0;
  let lastTick = Date.now();
  const simEnd = o.simulatedHours === undefined ? Infinity : o.start.getTime() + o.simulatedHours * 3600_000;
  while (Date.now() - realStart < o.durationS * 1000 && simNow < simEnd && !o.signal?.aborted) {
    const tickStarted = Date.now();
    // simulated time follows real elapsed time (a slow tick does not slow the simulated day down)
    const prevSim = simNow;
    simNow = Math.min(simEnd, simNow + Math.max(TICK_MS, tickStarted - lastTick) * o.speed);
    lastTick = tickStarted;
    // what this tick covers (clamped at the end of a --hours run, so a slow last tick brings no extra arrivals)
    const dtSimS = (simNow - prevSim) / 1000;
    const { hour, weekend } = shanghaiClock(new Date(simNow));

    // incidents
    // bounded per tick: on a struggling server a slow tick covers more simulated time, and sending all of its
    // arrivals would make the next tick slower still
    const n = Math.min(MAX_REPORTS_PER_TICK, poisson(expectedArrivals(hour, dtSimS / 3600, o.rate), rand));
    for (let i = 0; i < n; i++) {
      const category = pickWeighted(categoryMix(hour), rand);
      const hot = rand() < 0.45;
      const [lon, lat] = hot ? jitter(hotAreas[Math.floor(rand() * hotAreas.length)], 60, rand) : jitter(places[Math.floor(rand() * places.length)], 10, rand);
      const titles = TITLES[category];
      if (residentShare > 0 && (RESIDENT_CATEGORIES as readonly string[]).includes(category) && rand() < residentShare) {
        await sendAsResident(category as ResidentCategory, `【模拟】${titles[Math.floor(rand() * titles.length)]}`, lon, lat, simNow);
        continue;
      }
      const res = await api.call<IncidentDto>('POST', '/api/incidents', {
        category,
        severity: rand() < 0.06 ? 'big' : 'small',
        title: `【模拟】${titles[Math.floor(rand() * titles.length)]}`,
        description: 'SIMULATION — generated by npm run simulate (模拟数据)',
        location: { lon, lat },
      }, { 'idempotency-key': `sim-${randomUUID()}`, 'x-simulation': '1' });
      if (res.status === 201 || res.status === 200) {
        summary.incidentsSent++;
        loop?.trackReported(res.body, simNow);
      }
      else summary.incidentsRefused++;
    }

    // parking: every 10 simulated minutes each lot moves toward its curve
    if (simNow - lastParkingSim >= 10 * 60_000) {
      lastParkingSim = simNow;
      for (const lot of lots) {
        const target = Math.round(lot.capacity * parkingOccupancyShare(lot.kind, hour, weekend) + gaussian(rand) * lot.capacity * 0.03);
        const occupied = Math.min(lot.capacity, Math.max(0, target));
        if (occupied === lot.occupied) continue;
        const res = await api.call<{ lot: ParkingLive }>('PATCH', `/api/live/parking/${lot.id}`, { occupied, version: lot.version, reason: 'simulation' });
        if (res.status === 200) {
          Object.assign(lot, res.body.lot);
          summary.parkingUpdates++;
        } else if (res.status === 409) {
          summary.parkingConflicts++;
          await refreshLots();
          break;
        }
      }
    }

    // patrols: walk along the path, turn at its ends
    if (patrols.length) {
      const fixes = patrols.flatMap((p) => {
        const [lon, lat] = advancePatrol(p, WALK_MPS * dtSimS);
        patrolAt.set(p.personId, [lon, lat]);
        // a worker on a phone sends their own position (field-crew.ts); the rest are sent on their behalf
        return crew?.personIds.has(p.personId) ? [] : [{ personId: p.personId, lon, lat }];
      });
      for (let i = 0; i < fixes.length; i += 500) {
        const res = await api.call('POST', '/api/live/workers/positions', { fixes: fixes.slice(i, i + 500) });
        if (res.status === 202) summary.positionFixes += Math.min(500, fixes.length - i);
      }
    }

    // the phones: inbox, 接单/start/resolve with photos, patrol reports, own positions
    if (crew) await crew.tick(simNow, realStart + o.durationS * 1000);

    // the closed loop: commands due by now, bounded per tick, none started after the run's end
    if (loop) await loop.tick(simNow, realStart + o.durationS * 1000);

    const hh = String(Math.floor(hour)).padStart(2, '0');
    const mm = String(Math.floor((hour % 1) * 60)).padStart(2, '0');
    o.log(`  [SIMULATION ${hh}:${mm} CST] incidents +${n} (sent ${summary.incidentsSent}, refused ${summary.incidentsRefused}; residents ${summary.residentSent}/${summary.residentRefused}), parking updates ${summary.parkingUpdates}, fixes ${summary.positionFixes}${loopLine(summary.loop, loop?.active ?? 0)}${fieldLine(summary.field)}`);
    const wait = TICK_MS - (Date.now() - tickStarted);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  summary.simulatedEnd = new Date(simNow);
  return summary;
}

function fieldLine(f: FieldCrewSummary | null): string {
  if (!f) return '';
  return `; field: ${f.phones} phones, 接单 ${f.acknowledged}, started ${f.started}, resolved ${f.resolved}, photos ${f.photos}, patrol ${f.patrolReports} (随手办 ${f.fixedOnSpot})`;
}

function loopLine(s: ClosedLoopSummary | null, active: number): string {
  if (!s) return '';
  return `; loop: ${active} open, closed ${s.closed}, rejected ${s.rejected}, rework ${s.reworked}, escalated ${s.escalated}, rated ${s.rated}, 409 ${s.conflicts}`;
}
