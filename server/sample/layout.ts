// The spatial layout of ONE sample street in local metres: communities on a block grid between the arterial
// roads, grids (unit grids) inside communities, compounds and buildings in rows inside grids, and the walking
// network (arterials, block streets, compound paths) noded into one connected graph. Pure and deterministic:
// the loader maps it to WGS84 and tiles copies of it for the district/city scales.
import { STREET } from '../../common/domain';
import type { FacilityType } from '../../common/domain';
import { Rng, allocate } from './prng';
import type { Pt, Rect } from './geo';
import { rectCorners, rectRing, rectCenter } from './geo';
import type { StreetDefinition, CommunityDefinition } from './definitions';

export type BuildingUse = 'residential' | 'public' | 'school' | 'commercial' | 'office';

export interface LCommunity {
  idx: number;
  def: CommunityDefinition;
  serial: string; // 3 digits appended to the street code
  rect: Rect;
  ring: Pt[];
  midY: number;
  households: number;
  gridIdx: number[];
}

export interface LGrid {
  idx: number;
  community: number;
  serial: string; // 3 digits appended to the community code
  name: string;
  rect: Rect;
  ring: Pt[];
  households: number;
  pathYs: number[];
}

export interface LCompound {
  idx: number;
  community: number;
  grid: number;
  name: string;
  rect: Rect;
}

export interface LBuilding {
  idx: number;
  community: number;
  grid: number;
  compound: number;
  serial: string;
  name: string;
  address: string;
  use: BuildingUse;
  floors: number;
  households: number;
  residents: number;
  partyMembers: number;
  rect: Rect;
  /** y of the compound path in front of the building's row */
  pathY: number;
}

export interface LFacility {
  type: FacilityType;
  name: string;
  community: number;
  building: number;
  areaM2: number;
  meetsStandard: boolean | null;
  p: Pt;
}

export interface LNode {
  idx: number;
  p: Pt;
}

export interface LEdge {
  idx: number;
  a: number;
  b: number;
  kind: 'arterial' | 'street' | 'path';
  name: string | null;
  lengthM: number;
}

export interface LAccess {
  building: number;
  edge: number;
  fraction: number;
  distanceM: number;
  p: Pt;
}

export interface LBasemap {
  kind: 'road_major' | 'road_minor' | 'path' | 'water' | 'green';
  name: string | null;
  line?: Pt[];
  ring?: Pt[];
}

export interface LHotSpot {
  community: number;
  grid: number;
  center: Pt;
  categories: string[];
  share: number;
}

export interface Layout {
  def: StreetDefinition;
  extent: Rect;
  streetRing: Pt[];
  communities: LCommunity[];
  grids: LGrid[];
  compounds: LCompound[];
  buildings: LBuilding[];
  facilities: LFacility[];
  nodes: LNode[];
  edges: LEdge[];
  access: LAccess[];
  basemap: LBasemap[];
  hotSpots: LHotSpot[];
  /** Corner nodes of the street boundary roads, for links between tiled copies. */
  boundaryNodes: { west: Map<number, number>; east: Map<number, number>; south: Map<number, number>; north: Map<number, number> };
}

/** Gap between tiled copies (m); surroundings of a street (road stubs, canal) stay inside half of it. */
export const TILE_GAP_M = 260;

const FORM = {
  old: { depth: 11, lenMin: 34, lenMax: 58, gap: 16, pitch: 46, setback: 14, front: 7 },
  new: { depth: 16, lenMin: 26, lenMax: 34, gap: 26, pitch: 62, setback: 16, front: 8 },
} as const;

const CN_NUM = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

const FACILITY_USE: Record<FacilityType, BuildingUse> = {
  party_service_center: 'public',
  community_center: 'public',
  culture_sports: 'public',
  elderly_daycare: 'public',
  clinic: 'public',
  school: 'school',
  kindergarten: 'school',
  market: 'commercial',
};

/** District organs and bureaus located in the street (PRODUCT.md §2 mentions 5 + 28; a few stand for them). */
const OFFICE_NAMES = ['区人大办公楼（样例）', '区政协办公楼（样例）', '区住建委（样例）', '区城管委（样例）', '区教育局（样例）', '区卫健委（样例）', '区水务局（样例）', '北辰供电营业所（样例）'];

interface Slot {
  grid: number;
  row: number;
  rect: Rect;
  pathY: number;
  kind: 'residential' | 'special' | 'green';
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

export function buildLayout(def: StreetDefinition, seed: number): Layout {
  const rng = new Rng(seed, 'layout');
  const xs = def.columnEdgesM;
  const ys = def.rowEdgesM;
  const extent: Rect = { x0: xs[0], y0: ys[0], x1: xs[xs.length - 1], y1: ys[ys.length - 1] };

  // Communities and their household totals (exact street total).
  const commHh = allocate(
    STREET.households,
    def.communities.map((c) => c.weight * rng.range(0.96, 1.04)),
  );
  const communities: LCommunity[] = def.communities.map((c, idx) => ({
    idx,
    def: c,
    serial: String(idx + 1).padStart(3, '0'),
    rect: { x0: xs[c.col], x1: xs[c.col + 1], y0: ys[c.row], y1: ys[c.row + 1] },
    ring: [],
    midY: 0,
    households: commHh[idx],
    gridIdx: [],
  }));

  // Grids: k cells in two rows of a community; k chosen so each holds ~400 households.
  const grids: LGrid[] = [];
  for (const c of communities) {
    const k = Math.max(3, Math.round(c.households / 400));
    const bottom = Math.floor(k / 2);
    const top = k - bottom;
    const r = c.rect;
    c.midY = round3(r.y0 + (r.y1 - r.y0) * (bottom / k) * rng.range(0.97, 1.03));
    const cells: Rect[] = [];
    for (const [count, y0, y1] of [
      [bottom, r.y0, c.midY],
      [top, c.midY, r.y1],
    ] as const) {
      const cuts = [r.x0];
      for (let i = 1; i < count; i++) cuts.push(round3(r.x0 + ((r.x1 - r.x0) * i) / count + rng.range(-12, 12)));
      cuts.push(r.x1);
      for (let i = 0; i < count; i++) cells.push({ x0: cuts[i], x1: cuts[i + 1], y0, y1 });
    }
    const hh = allocate(
      c.households,
      cells.map((cell) => (cell.x1 - cell.x0) * (cell.y1 - cell.y0) * rng.range(0.94, 1.06)),
    );
    cells.forEach((rect, i) => {
      if (hh[i] < 300 || hh[i] > 500) throw new Error(`sample layout: grid with ${hh[i]} households (want 300–500)`);
      c.gridIdx.push(grids.length);
      grids.push({
        idx: grids.length,
        community: c.idx,
        serial: String(i + 1).padStart(3, '0'),
        name: `${c.def.name}第${i + 1}网格`,
        rect,
        ring: [],
        households: hh[i],
        pathYs: [],
      });
    });
  }

  // Exact shared vertices: every parent ring passes through its children's corners.
  const gridCorners = grids.flatMap((g) => rectCorners(g.rect));
  for (const g of grids) g.ring = rectRing(g.rect, gridCorners);
  for (const c of communities) c.ring = rectRing(c.rect, gridCorners);
  const streetRing = rectRing(extent, gridCorners);

  // Building slots in rows, with a compound path in front of each row.
  const slots: Slot[] = [];
  for (const g of grids) {
    const f = FORM[communities[g.community].def.form];
    const r = g.rect;
    for (let row = 0; ; row++) {
      const pathY = round3(r.y0 + f.setback + row * f.pitch);
      const by0 = pathY + f.front;
      if (by0 + f.depth > r.y1 - f.setback) break;
      g.pathYs.push(pathY);
      let x = r.x0 + f.setback + rng.range(0, 6);
      for (;;) {
        const len = Math.round(rng.range(f.lenMin, f.lenMax));
        if (x + len > r.x1 - f.setback) break;
        slots.push({ grid: g.idx, row, pathY, rect: { x0: round3(x), x1: round3(x + len), y0: by0, y1: by0 + f.depth }, kind: 'residential' });
        x += len + f.gap;
      }
    }
  }

  // Special buildings (facilities, offices) and pocket green spaces take some slots.
  interface Special {
    community: number;
    use: BuildingUse;
    name: string;
    facility?: { type: FacilityType; areaM2: number; meetsStandard: boolean | null };
  }
  const specials: Special[] = [];
  const byName = new Map(communities.map((c) => [c.def.name, c.idx]));
  for (const c of communities) {
    specials.push({
      community: c.idx,
      use: 'public',
      name: `${c.def.name}社区党群服务中心`,
      facility: { type: 'community_center', areaM2: c.def.centerAreaM2, meetsStandard: c.def.meetsStandard },
    });
  }
  for (const f of def.facilities) {
    specials.push({
      community: byName.get(f.community) as number,
      use: FACILITY_USE[f.type],
      name: f.name,
      facility: { type: f.type, areaM2: f.areaM2, meetsStandard: null },
    });
  }
  for (const p of def.timeSharedParking) {
    specials.push({ community: byName.get(p.community) as number, use: 'office', name: p.owner });
  }
  OFFICE_NAMES.forEach((name, i) => specials.push({ community: (i * 5 + 2) % communities.length, use: 'office', name }));

  const slotsByCommunity = communities.map((c) => slots.filter((s) => grids[s.grid].community === c.idx));
  const freeByCommunity = slotsByCommunity.map((list) => rng.shuffle(list.filter((s) => s.row <= 1)));
  const specialSlot = new Map<Slot, Special>();
  for (const sp of specials) {
    const slot = freeByCommunity[sp.community].pop();
    if (!slot) throw new Error(`sample layout: no free slot for ${sp.name}`);
    slot.kind = 'special';
    specialSlot.set(slot, sp);
  }
  const basemap: LBasemap[] = [];
  for (const g of grids) {
    if (!rng.chance(0.3)) continue;
    const candidates = slots.filter((s) => s.grid === g.idx && s.kind === 'residential' && s.row === g.pathYs.length - 1);
    if (candidates.length < 2) continue;
    const s = candidates[candidates.length - 1];
    s.kind = 'green';
    basemap.push({ kind: 'green', name: `${grids[s.grid].name}口袋公园（样例）`, ring: rectCorners(s.rect) });
  }

  // Compounds: one or two per grid, split between rows.
  const compounds: LCompound[] = [];
  const compoundOf = new Map<string, number>();
  for (const g of grids) {
    const c = communities[g.community];
    const f = FORM[c.def.form];
    const rows = g.pathYs.length;
    const parts = rows >= 4 ? 2 : 1;
    const split = Math.ceil(rows / parts);
    for (let p = 0; p < parts; p++) {
      const firstRow = p * split;
      const lastRow = Math.min(rows, (p + 1) * split) - 1;
      const n = c.gridIdx.indexOf(g.idx) * 2 + p;
      const name = c.def.form === 'new' ? `${c.def.name}${CN_NUM[n % 10]}期` : `${c.def.name}${CN_NUM[n % 10]}区`;
      compounds.push({
        idx: compounds.length,
        community: c.idx,
        grid: g.idx,
        name,
        rect: {
          x0: g.rect.x0 + f.setback / 2,
          x1: g.rect.x1 - f.setback / 2,
          y0: g.pathYs[firstRow] - 3,
          y1: g.pathYs[lastRow] + f.front + f.depth + 3,
        },
      });
      for (let row = firstRow; row <= lastRow; row++) compoundOf.set(`${g.idx}:${row}`, compounds.length - 1);
    }
  }

  // Buildings with households allocated exactly per grid, then residents and Party members street-wide.
  const buildings: LBuilding[] = [];
  const facilities: LFacility[] = [];
  const roadOf = (c: LCommunity): string =>
    def.roads.horizontal.find((h) => h.y === c.rect.y0)?.name ?? def.roads.horizontal[0].name;
  for (const g of grids) {
    const c = communities[g.community];
    const gridSlots = slots.filter((s) => s.grid === g.idx && s.kind !== 'green');
    const residential = gridSlots.filter((s) => s.kind === 'residential');
    const hh = allocate(
      g.households,
      residential.map((s) => (s.rect.x1 - s.rect.x0) * (c.def.form === 'new' ? 2.8 : 1) * rng.range(0.9, 1.1)),
    );
    const numberInCompound = new Map<number, number>();
    let ri = 0;
    for (const s of gridSlots) {
      const compound = compoundOf.get(`${g.idx}:${s.row}`) as number;
      const no = (numberInCompound.get(compound) ?? 0) + 1;
      numberInCompound.set(compound, no);
      const sp = specialSlot.get(s);
      const serial = String(buildings.length + 1).padStart(4, '0');
      let floors: number;
      let households = 0;
      let name: string;
      if (sp) {
        floors = sp.use === 'office' ? rng.int(4, 9) : rng.int(2, 4);
        name = sp.name;
      } else {
        households = hh[ri++];
        const len = s.rect.x1 - s.rect.x0;
        const perFloor = c.def.form === 'new' ? 4 : Math.max(2, Math.round(len / 14)) * 2;
        floors = Math.min(c.def.form === 'new' ? 33 : 7, Math.max(c.def.form === 'new' ? 8 : 3, Math.ceil(households / perFloor)));
        name = `${compounds[compound].name}${no}号楼`;
      }
      const b: LBuilding = {
        idx: buildings.length,
        community: c.idx,
        grid: g.idx,
        compound,
        serial,
        name,
        address: `天津市北辰区${roadOf(c)}${compounds[compound].name}${no}号楼`,
        use: sp ? sp.use : 'residential',
        floors,
        households,
        residents: 0,
        partyMembers: 0,
        rect: s.rect,
        pathY: s.pathY,
      };
      buildings.push(b);
      if (sp?.facility) {
        facilities.push({
          type: sp.facility.type,
          name: sp.name,
          community: c.idx,
          building: b.idx,
          areaM2: sp.facility.areaM2,
          meetsStandard: sp.facility.meetsStandard,
          p: rectCenter(s.rect),
        });
      }
    }
  }
  const homes = buildings.filter((b) => b.households > 0);
  const residents = allocate(STREET.residents, homes.map((b) => b.households * rng.range(1.85, 2.45)));
  homes.forEach((b, i) => (b.residents = residents[i]));
  const party = allocate(STREET.partyMembers, homes.map((b) => b.residents * rng.range(0.4, 1.6)));
  homes.forEach((b, i) => (b.partyMembers = party[i]));

  // Walking network: arterials on community edges, block streets between grids, a path per building row.
  interface Seg {
    horizontal: boolean;
    c: number;
    a: number;
    b: number;
    kind: LEdge['kind'];
    name: string | null;
    cuts: Set<number>;
  }
  const segs: Seg[] = [];
  const seg = (horizontal: boolean, c: number, a: number, b: number, kind: LEdge['kind'], name: string | null): void => {
    segs.push({ horizontal, c, a, b, kind, name, cuts: new Set([a, b]) });
  };
  for (const h of def.roads.horizontal) seg(true, h.y, extent.x0, extent.x1, 'arterial', h.name);
  for (const v of def.roads.vertical) seg(false, v.x, extent.y0, extent.y1, 'arterial', v.name);
  for (const c of communities) {
    seg(true, c.midY, c.rect.x0, c.rect.x1, 'street', `${c.def.name}内街`);
    for (const gi of c.gridIdx) {
      const r = grids[gi].rect;
      if (r.x1 < c.rect.x1) seg(false, r.x1, r.y0, r.y1, 'street', `${c.def.name}内街`);
    }
  }
  for (const g of grids) for (const y of g.pathYs) seg(true, y, g.rect.x0, g.rect.x1, 'path', null);
  const hs = segs.filter((s) => s.horizontal);
  const vs = segs.filter((s) => !s.horizontal);
  for (const h of hs) {
    for (const v of vs) {
      if (v.c >= h.a && v.c <= h.b && h.c >= v.a && h.c <= v.b) {
        h.cuts.add(v.c);
        v.cuts.add(h.c);
      }
    }
  }
  const nodes: LNode[] = [];
  const nodeKey = new Map<string, number>();
  const nodeAt = (p: Pt): number => {
    const key = `${Math.round(p[0] * 1000)},${Math.round(p[1] * 1000)}`;
    let id = nodeKey.get(key);
    if (id === undefined) {
      id = nodes.length;
      nodes.push({ idx: id, p });
      nodeKey.set(key, id);
    }
    return id;
  };
  const edges: LEdge[] = [];
  for (const s of segs) {
    const cuts = [...s.cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < cuts.length; i++) {
      if (cuts[i + 1] - cuts[i] < 1e-6) continue;
      const pa: Pt = s.horizontal ? [cuts[i], s.c] : [s.c, cuts[i]];
      const pb: Pt = s.horizontal ? [cuts[i + 1], s.c] : [s.c, cuts[i + 1]];
      edges.push({ idx: edges.length, a: nodeAt(pa), b: nodeAt(pb), kind: s.kind, name: s.name, lengthM: round3(cuts[i + 1] - cuts[i]) });
    }
  }
  const boundaryNodes = {
    west: new Map<number, number>(),
    east: new Map<number, number>(),
    south: new Map<number, number>(),
    north: new Map<number, number>(),
  };
  for (const h of def.roads.horizontal) {
    boundaryNodes.west.set(h.y, nodeAt([extent.x0, h.y]));
    boundaryNodes.east.set(h.y, nodeAt([extent.x1, h.y]));
  }
  for (const v of def.roads.vertical) {
    boundaryNodes.south.set(v.x, nodeAt([v.x, extent.y0]));
    boundaryNodes.north.set(v.x, nodeAt([v.x, extent.y1]));
  }

  // Building access: nearest point on the nearest edge from the building centroid. The nearest edge of a
  // point inside a grid cell is always on the cell's boundary or inside it, so only those edges are tried.
  const inside = (p: Pt, r: Rect): boolean => p[0] >= r.x0 - 1e-6 && p[0] <= r.x1 + 1e-6 && p[1] >= r.y0 - 1e-6 && p[1] <= r.y1 + 1e-6;
  const edgesByGrid = grids.map((g) => edges.filter((e) => inside(nodes[e.a].p, g.rect) && inside(nodes[e.b].p, g.rect)));
  const access: LAccess[] = buildings.map((b) => {
    const [cx, cy] = rectCenter(b.rect);
    let best: LAccess | undefined;
    for (const e of edgesByGrid[b.grid]) {
      const [ax, ay] = nodes[e.a].p;
      const [bx, by] = nodes[e.b].p;
      const len = Math.hypot(bx - ax, by - ay);
      const t = len === 0 ? 0 : Math.min(1, Math.max(0, ((cx - ax) * (bx - ax) + (cy - ay) * (by - ay)) / (len * len)));
      const p: Pt = [ax + t * (bx - ax), ay + t * (by - ay)];
      const d = Math.hypot(cx - p[0], cy - p[1]);
      if (!best || d < best.distanceM - 1e-9) best = { building: b.idx, edge: e.idx, fraction: round3(t), distanceM: round3(d), p };
    }
    if (!best) throw new Error(`sample layout: building ${b.name} has no edge in its grid`);
    return best;
  });

  // Basemap: roads run half a tile gap beyond the street; a canal and a riverside green strip lie south.
  const ext = TILE_GAP_M / 2;
  for (const h of def.roads.horizontal) basemap.push({ kind: 'road_major', name: h.name, line: [[extent.x0 - ext, h.y], [extent.x1 + ext, h.y]] });
  for (const v of def.roads.vertical) basemap.push({ kind: 'road_major', name: v.name, line: [[v.x, extent.y0 - ext], [v.x, extent.y1 + ext]] });
  for (const s of segs) {
    if (s.kind === 'arterial') continue;
    const line: Pt[] = s.horizontal ? [[s.a, s.c], [s.b, s.c]] : [[s.c, s.a], [s.c, s.b]];
    basemap.push({ kind: s.kind === 'street' ? 'road_minor' : 'path', name: s.kind === 'street' ? s.name : null, line });
  }
  const wy1 = extent.y0 - def.water.southOfStreetM;
  const wy0 = wy1 - def.water.widthM;
  basemap.push({ kind: 'water', name: def.water.name, ring: rectCorners({ x0: extent.x0 - ext + 10, x1: extent.x1 + ext - 10, y0: wy0, y1: wy1 }) });
  basemap.push({ kind: 'green', name: '新开河滨河绿带（样例）', ring: rectCorners({ x0: extent.x0, x1: extent.x1, y0: wy1 + 4, y1: wy1 + 44 }) });

  // Persistent hot areas: a residential building's surroundings in the named communities.
  const hotSpots: LHotSpot[] = def.hotSpots.map((h) => {
    const c = communities[byName.get(h.community) as number];
    const b = rng.pick(homes.filter((x) => x.community === c.idx));
    return { community: c.idx, grid: b.grid, center: rectCenter(b.rect), categories: h.categories, share: h.share };
  });

  return { def, extent, streetRing, communities, grids, compounds, buildings, facilities, nodes, edges, access, basemap, hotSpots, boundaryNodes };
}
