// People of the responsibility chain, Party branches, care subjects, parking lots and violation points of
// one sample street, referring to the layout by index. Names are synthetic; phones follow 1xx-0000-xxxx,
// a pattern no Chinese carrier issues (the "0000" block marks them fake). Deterministic per seed.
import { STREET } from '../../common/domain';
import type { PersonRole, ViolationKind, ViolationStatus, ParkingKind } from '../../common/domain';
import { Rng, allocate } from './prng';
import type { Pt } from './geo';
import type { Layout } from './layout';

export interface LPerson {
  idx: number;
  role: PersonRole;
  name: string;
  phone: string;
  partyMember: boolean;
  community: number | null;
  grid: number | null;
  building: number | null;
  onDuty: boolean;
  position: Pt | null;
  /** minutes before the anchor time the position was reported */
  positionAgeMin: number | null;
}

export interface LBranch {
  org: string;
  name: string;
  community: number | null;
  members: number;
}

export interface LCareSubject {
  building: number;
  grid: number;
  group: 'elderly_alone' | 'disabled' | 'low_income' | 'unemployed' | 'released_prisoner' | 'drug_rehab' | 'special_care';
  name: string;
  phone: string;
  note: string;
}

export interface LParking {
  name: string;
  community: number;
  kind: ParkingKind;
  capacity: number;
  occupied: number;
  availability: unknown;
  owner: string | null;
  p: Pt;
}

export interface LViolation {
  kind: ViolationKind;
  status: ViolationStatus;
  community: number;
  grid: number;
  description: string;
  /** days before the anchor it was found, and since it last changed */
  foundDaysAgo: number;
  updatedDaysAgo: number;
  p: Pt;
}

export interface Population {
  people: LPerson[];
  /** person index per community (leader 包片, secretary) and per grid (worker); building → head */
  communityLeader: number[];
  communitySecretary: number[];
  gridWorker: number[];
  buildingHead: number[];
  branches: LBranch[];
  careSubjects: LCareSubject[];
  parking: LParking[];
  violations: LViolation[];
}

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志鹏春兰玉凤海燕晓东宏亮文斌婷雪琳欣怡浩然子轩宇航思远佳慧嘉晨博宁';

export function fakeName(rng: Rng): string {
  const given = rng.chance(0.6) ? GIVEN[rng.int(0, GIVEN.length - 1)] + GIVEN[rng.int(0, GIVEN.length - 1)] : GIVEN[rng.int(0, GIVEN.length - 1)];
  return SURNAMES[rng.int(0, SURNAMES.length - 1)] + given;
}

/** 1xx-0000-xxxx: never a real number (the 0000 block is not issued), so the sample can be shown freely. */
export function fakePhone(rng: Rng): string {
  return `1${rng.int(30, 99)}-0000-${String(rng.int(0, 9999)).padStart(4, '0')}`;
}

const CARE_GROUPS: [LCareSubject['group'], number, string][] = [
  ['elderly_alone', 35, '独居老人，清晨问候对象（样例）'],
  ['disabled', 18, '残疾人，定期走访（样例）'],
  ['low_income', 18, '低保户（样例）'],
  ['unemployed', 14, '失业登记人员（样例）'],
  ['special_care', 8, '优抚对象（样例）'],
  ['released_prisoner', 4, '安置帮教对象（样例）'],
  ['drug_rehab', 3, '社区康复人员（样例）'],
];

const ILLEGAL_STATUS: [ViolationStatus, number][] = [
  ['found', 4], ['notified', 5], ['rectifying', 6], ['demolished', 11], ['rectified', 2], ['verified', 6],
];
const INSPECTION_STATUS: [ViolationStatus, number][] = [
  ['found', 4], ['notified', 2], ['rectifying', 3], ['rectified', 5], ['verified', 6],
];

export function buildPopulation(layout: Layout, seed: number): Population {
  const def = layout.def;
  const rng = new Rng(seed, 'population');
  const people: LPerson[] = [];
  const add = (p: Omit<LPerson, 'idx' | 'name' | 'phone' | 'onDuty' | 'position' | 'positionAgeMin'> & Partial<LPerson>): number => {
    people.push({ idx: people.length, name: fakeName(rng), phone: fakePhone(rng), onDuty: false, position: null, positionAgeMin: null, ...p });
    return people.length - 1;
  };
  /** A point on one of the grid's compound paths (where an on-duty worker plausibly is). */
  const pointInGrid = (grid: number): Pt => {
    const g = layout.grids[grid];
    return [g.rect.x0 + rng.range(20, g.rect.x1 - g.rect.x0 - 20), rng.pick(g.pathYs)];
  };
  const onDuty = (grid: number, share: number): Partial<LPerson> =>
    rng.chance(share) ? { onDuty: true, position: pointInGrid(grid), positionAgeMin: rng.int(0, 15) } : {};

  const leaders = Array.from({ length: def.streetLeaders }, () => add({ role: 'street_leader', partyMember: true, community: null, grid: null, building: null }));
  const communityLeader = layout.communities.map((c) => leaders[c.idx % leaders.length]);
  const communitySecretary = layout.communities.map((c) =>
    add({ role: 'community_secretary', partyMember: true, community: c.idx, grid: null, building: null }),
  );
  for (const c of layout.communities) {
    const n = rng.int(def.staffPerCommunity[0], def.staffPerCommunity[1]);
    for (let i = 0; i < n; i++) {
      add({ role: 'community_staff', partyMember: rng.chance(0.6), community: c.idx, grid: null, building: null });
    }
  }
  const gridWorker = layout.grids.map((g) =>
    add({ role: 'grid_worker', partyMember: rng.chance(0.55), community: g.community, grid: g.idx, building: null, ...onDuty(g.idx, 0.65) }),
  );
  // The extra grid workers recruited for public security work: in the grids with hot areas first.
  const securityGrids = [...layout.hotSpots.map((h) => h.grid), ...rng.shuffle(layout.grids.map((g) => g.idx))];
  for (let i = 0; i < def.publicSecurityGridWorkers; i++) {
    const g = layout.grids[securityGrids[i]];
    add({ role: 'grid_worker', partyMember: rng.chance(0.5), community: g.community, grid: g.idx, building: null, ...onDuty(g.idx, 0.75) });
  }
  // Building heads: grid workers + building heads = 839 (PRODUCT.md §2); some heads look after two buildings.
  const workers = people.filter((p) => p.role === 'grid_worker').length;
  const heads = STREET.gridWorkersAndBuildingHeads - workers;
  const homesByGrid = layout.grids.map((g) => layout.buildings.filter((b) => b.grid === g.idx && b.households > 0));
  const headsPerGrid = allocate(heads, homesByGrid.map((list) => list.length));
  const buildingHead = new Array<number>(layout.buildings.length).fill(-1);
  layout.grids.forEach((g, gi) => {
    const homes = homesByGrid[gi];
    const h = headsPerGrid[gi];
    if (h > homes.length || h < 1) throw new Error(`sample population: ${h} building heads for ${homes.length} buildings`);
    const ids = homes.slice(0, h).map((b) =>
      add({ role: 'building_head', partyMember: rng.chance(0.6), community: g.community, grid: g.idx, building: b.idx }),
    );
    homes.forEach((b, i) => (buildingHead[b.idx] = ids[i % h]));
  });
  // Special (non-residential) buildings are looked after by their grid's first building head.
  for (const b of layout.buildings) {
    if (buildingHead[b.idx] === -1) buildingHead[b.idx] = buildingHead[homesByGrid[b.grid][0].idx];
  }
  for (const c of layout.communities) {
    const n = rng.int(def.volunteersPerCommunity[0], def.volunteersPerCommunity[1]);
    for (let i = 0; i < n; i++) {
      const grid = rng.pick(c.gridIdx);
      add({ role: 'volunteer', partyMember: true, community: c.idx, grid, building: null, ...onDuty(grid, 0.4) });
    }
  }
  for (let i = 0; i < def.youngCadres; i++) {
    const c = layout.communities[i % layout.communities.length];
    add({ role: 'cadre', partyMember: true, community: c.idx, grid: null, building: null });
  }

  // Party: 13 organisations, 38 branches, 1,268 members. The street organs' committee has members who live
  // across the communities, so community committees hold the rest in proportion to their residents' count.
  const branches: LBranch[] = [];
  const streetOrgs = def.partyOrganisations;
  const streetShare = Math.round(STREET.partyMembers * 0.08);
  const perCommunity = layout.communities.map((c) =>
    layout.buildings.filter((b) => b.community === c.idx).reduce((a, b) => a + b.partyMembers, 0),
  );
  const orgTotals = [
    ...allocate(streetShare, streetOrgs.map((o) => o.branches)),
    ...allocate(STREET.partyMembers - streetShare, perCommunity),
  ];
  streetOrgs.forEach((o, i) => {
    const members = allocate(orgTotals[i], Array.from({ length: o.branches }, () => rng.range(0.7, 1.3)));
    members.forEach((m, k) => branches.push({ org: o.org, name: `${o.org}第${k + 1}支部`, community: null, members: m }));
  });
  layout.communities.forEach((c, ci) => {
    const org = `${c.def.name}社区党委`;
    const n = def.branchesPerCommunity[ci];
    const members = allocate(orgTotals[streetOrgs.length + ci], Array.from({ length: n }, () => rng.range(0.7, 1.3)));
    members.forEach((m, k) => branches.push({ org, name: `${c.def.name}社区第${k + 1}党支部`, community: c.idx, members: m }));
  });

  const homes = layout.buildings.filter((b) => b.households > 0);
  const careSubjects: LCareSubject[] = [];
  for (const c of layout.communities) {
    const n = rng.int(def.careSubjectsPerCommunity[0], def.careSubjectsPerCommunity[1]);
    const list = homes.filter((b) => b.community === c.idx);
    for (let i = 0; i < n; i++) {
      const b = rng.pick(list);
      const [group, , note] = CARE_GROUPS[rng.weighted(CARE_GROUPS.map((g) => g[1]))];
      careSubjects.push({ building: b.idx, grid: b.grid, group, name: fakeName(rng), phone: fakePhone(rng), note });
    }
  }

  // Parking: compound lots, a public lot by markets and clinics, kerbside parking on block streets, and the
  // time-shared "候鸟停车场" office yards in 东升里 and 朝阳里.
  const parking: LParking[] = [];
  const occupancy = (capacity: number, lo: number, hi: number): number => Math.min(capacity, Math.round(capacity * rng.range(lo, hi)));
  for (const c of layout.communities) {
    for (const gi of c.gridIdx) {
      if (!rng.chance(0.55)) continue;
      const g = layout.grids[gi];
      const capacity = rng.int(20, 90);
      parking.push({
        name: `${g.name}小区停车场`, community: c.idx, kind: 'residential', capacity,
        occupied: occupancy(capacity, 0.7, 1), availability: null, owner: null, p: [g.rect.x1 - 6, rng.pick(g.pathYs)],
      });
    }
    const g = layout.grids[c.gridIdx[0]];
    const capacity = rng.int(30, 120);
    parking.push({
      name: `${c.def.name}路侧停车泊位`, community: c.idx, kind: 'street', capacity,
      occupied: occupancy(capacity, 0.6, 1), availability: null, owner: '街道城管科（样例）', p: [g.rect.x0 + rng.range(30, 80), c.midY - 4],
    });
  }
  for (const f of layout.facilities.filter((x) => x.type === 'market' || x.type === 'clinic')) {
    const b = layout.buildings[f.building];
    const capacity = rng.int(25, 80);
    parking.push({
      name: `${f.name}公共停车场`, community: f.community, kind: 'public', capacity,
      occupied: occupancy(capacity, 0.5, 0.95), availability: null, owner: null, p: [b.rect.x1 + 4, b.pathY],
    });
  }
  for (const t of def.timeSharedParking) {
    const b = layout.buildings.find((x) => x.use === 'office' && x.name === t.owner);
    if (!b) throw new Error(`sample population: no office building for ${t.owner}`);
    const bank = t.owner.includes('银行');
    parking.push({
      name: t.name, community: b.community, kind: 'time_shared', capacity: t.capacity,
      occupied: occupancy(t.capacity, 0.2, 0.6),
      availability: [
        { days: [1, 2, 3, 4, 5], from: bank ? '18:00' : '17:30', to: bank ? '08:30' : '08:00' },
        { days: [6, 7], from: '00:00', to: '24:00' },
      ],
      owner: t.owner, p: [(b.rect.x0 + b.rect.x1) / 2, b.pathY],
    });
  }

  // Violations: 30+ illegal constructions in 都旺新城 (PRODUCT.md §2) and inspection points elsewhere.
  const violations: LViolation[] = [];
  const statusOf = (table: [ViolationStatus, number][]): ViolationStatus => table[rng.weighted(table.map((s) => s[1]))][0];
  const near = (b: (typeof homes)[number]): Pt => {
    const g = layout.grids[b.grid].rect;
    const x = Math.min(g.x1 - 2, Math.max(g.x0 + 2, rng.range(b.rect.x0 - 6, b.rect.x1 + 6)));
    const y = Math.min(g.y1 - 2, Math.max(g.y0 + 2, b.rect.y1 + rng.range(1, 6)));
    return [x, y];
  };
  const days = (status: ViolationStatus): [number, number] => {
    const found = rng.int(status === 'found' ? 1 : 20, 240);
    return [found, status === 'found' ? found : rng.int(0, Math.max(0, found - 5))];
  };
  const duwang = layout.communities.find((c) => c.def.name === '都旺新城');
  if (!duwang) throw new Error('sample population: 都旺新城 is missing from the definition');
  const duwangHomes = homes.filter((b) => b.community === duwang.idx);
  for (let i = 0; i < def.illegalConstructionPoints; i++) {
    const b = rng.pick(duwangHomes);
    const status = statusOf(ILLEGAL_STATUS);
    const [found, updated] = days(status);
    const what = rng.pick(['楼顶私搭彩钢房', '底层院落违建', '阳台外扩', '绿地内私建棚屋', '车库改建住房']);
    violations.push({ kind: 'illegal_construction', status, community: b.community, grid: b.grid, description: `${b.name}${what}（样例）`, foundDaysAgo: found, updatedDaysAgo: updated, p: near(b) });
  }
  for (const c of layout.communities) {
    if (c.idx === duwang.idx) continue;
    const list = homes.filter((b) => b.community === c.idx);
    const kinds: [ViolationKind, string[]][] = [
      ['civilization_inspection', ['楼道堆物', '小广告乱贴', '公益广告缺失', '非机动车乱停']],
      ['sanitation_inspection', ['垃圾分类点满溢', '卫生死角', '病媒防制设施缺失', '排水沟堵塞']],
      ['illegal_occupation', ['占道经营', '私设地锁', '占用消防通道']],
    ];
    for (const [kind, texts] of kinds) {
      const n = kind === 'illegal_occupation' ? rng.int(0, 2) : rng.int(1, 3);
      for (let i = 0; i < n; i++) {
        const b = rng.pick(list);
        const status = statusOf(INSPECTION_STATUS);
        const [found, updated] = days(status);
        violations.push({ kind, status, community: c.idx, grid: b.grid, description: `${b.name}附近${rng.pick(texts)}（样例）`, foundDaysAgo: found, updatedDaysAgo: updated, p: near(b) });
      }
    }
  }

  return { people, communityLeader, communitySecretary, gridWorker, buildingHead, branches, careSubjects, parking, violations };
}
