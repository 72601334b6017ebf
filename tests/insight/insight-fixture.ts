// A minimal street for insight tests: one street square, two communities (west/east halves), two grids in
// each, and helpers to insert incidents directly (the insight code only reads them).
import type { Db } from '../../server/db/db';
import type { UserRole } from '../../common/domain';
import type { Clock } from '../../server/clock';
import { loginAs, startTestApp, type Session } from '../helpers/auth';

export const W = 117.13, E = 117.15, S = 39.21, N = 39.23, MID = 117.14, MIDLAT = 39.22;

const box = (w: number, s: number, e: number, n: number) =>
  `SRID=4326;MULTIPOLYGON(((${w} ${s},${e} ${s},${e} ${n},${w} ${n},${w} ${s})))`;

export interface StreetIds {
  communities: [number, number];
  /** [west-south, west-north, east-south, east-north] */
  grids: [number, number, number, number];
}

export async function insertStreet(db: Db): Promise<StreetIds> {
  await db.query(
    `INSERT INTO streets (code, name, name_en, district, city, geom) VALUES ('120113001', '测试街道', 'Test', '北辰区', '天津市', $1::geometry)`,
    [box(W, S, E, N)],
  );
  const c = await db.query<{ id: number }>(
    `INSERT INTO communities (street_code, code, name, name_en, geom) VALUES
       ('120113001', '120113001001', '西社区', 'West', $1::geometry), ('120113001', '120113001002', '东社区', 'East', $2::geometry)
     RETURNING id`,
    [box(W, S, MID, N), box(MID, S, E, N)],
  );
  const [cw, ce] = c.rows.map((r) => Number(r.id));
  const g = await db.query<{ id: number }>(
    `INSERT INTO grids (community_id, code, name, geom) VALUES
       ($1, '120113001001001', '西南网格', $3::geometry), ($1, '120113001001002', '西北网格', $4::geometry),
       ($2, '120113001002001', '东南网格', $5::geometry), ($2, '120113001002002', '东北网格', $6::geometry)
     RETURNING id`,
    [cw, ce, box(W, S, MID, MIDLAT), box(W, MIDLAT, MID, N), box(MID, S, E, MIDLAT), box(MID, MIDLAT, E, N)],
  );
  const ids = g.rows.map((r) => Number(r.id));
  return { communities: [cw, ce], grids: [ids[0], ids[1], ids[2], ids[3]] };
}

export interface IncidentSpec {
  lon: number;
  lat: number;
  reportedAt: string;
  category?: string;
  severity?: 'small' | 'big';
  status?: string;
  closedAt?: string | null;
  dueAt?: string;
  communityId: number;
  gridId?: number | null;
  rework?: number;
  escalation?: number;
  satisfaction?: number | null;
  title?: string;
  address?: string | null;
}

let seq = 0;

export async function insertIncidents(db: Db, specs: IncidentSpec[]): Promise<void> {
  for (let k = 0; k < specs.length; k += 500) {
    const chunk = specs.slice(k, k + 500);
    const params: unknown[] = [];
    const values = chunk.map((s) => {
      seq += 1;
      const closed = s.closedAt ?? null;
      const row = [
        `T${String(seq).padStart(8, '0')}`, s.category ?? 'environment', s.severity ?? 'small',
        s.status ?? (closed ? 'closed' : 'reported'), s.title ?? `事件${seq}`, s.communityId, s.gridId ?? null,
        s.lon, s.lat, s.reportedAt, s.dueAt ?? new Date(Date.parse(s.reportedAt) + 48 * 3600_000).toISOString(),
        closed, s.rework ?? 0, s.escalation ?? 0, s.satisfaction ?? null, s.address ?? null,
      ];
      const base = params.length;
      params.push(...row);
      const ph = (n: number) => `$${base + n}`;
      return `(${ph(1)}, ${ph(2)}, ${ph(3)}, ${ph(4)}, ${ph(5)}, ${ph(6)}::int, ${ph(7)}::int,
               ST_SetSRID(ST_MakePoint(${ph(8)}::float8, ${ph(9)}::float8), 4326), ${ph(10)}::timestamptz, ${ph(11)}::timestamptz,
               ${ph(12)}::timestamptz, ${ph(13)}::int, ${ph(14)}::smallint, ${ph(15)}::smallint, ${ph(16)})`;
    });
    await db.query(
      `INSERT INTO incidents (code, category, severity, status, title, community_id, grid_id, geom, reported_at, due_at,
                              closed_at, rework_count, escalation_level, satisfaction, address)
       VALUES ${values.join(',\n')}`,
      params,
    );
  }
}

export interface InsightServer {
  url: string;
  /** GET as a signed-in user of `role` (a real session through /api/auth/login), or anonymously with null. */
  get(path: string, role?: UserRole | null): Promise<Response>;
  close(): Promise<void>;
}

/** The real app on port 0 (sessions, CSRF, route wiring in server/app.ts) with the given clock. */
export async function startInsightServer(db: Db, clock: Clock): Promise<InsightServer> {
  const t = await startTestApp(db, { clock, start: false });
  const sessions = new Map<UserRole, Promise<Session>>();
  const sessionFor = (role: UserRole) => {
    let s = sessions.get(role);
    if (!s) sessions.set(role, (s = loginAs(t.baseUrl, db, role)));
    return s;
  };
  return {
    url: t.baseUrl,
    async get(path, role = 'leader') {
      const headers: Record<string, string> = role ? { cookie: (await sessionFor(role)).cookie } : {};
      return fetch(t.baseUrl + path, { headers });
    },
    close: () => t.close(),
  };
}
