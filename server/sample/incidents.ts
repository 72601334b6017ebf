// Synthetic incident history for the sample: reports spread over the past weeks (more by day than by night),
// taken through the closed loop with timestamps that agree with their status, due times from the document's
// rules, some rework, some escalations, a satisfaction rating when closed, and a few persistent hot areas
// so hotspot analysis finds something. Rows go straight into `incidents` (source 'sample'); see README for
// why no per-incident events are written.
import { INCIDENT_CATEGORIES } from '../../common/domain';
import type { IncidentCategory, IncidentStatus } from '../../common/domain';
import { dueTimes, shanghaiDateStamp } from '../incidents/due-times';
import { Rng } from './prng';
import type { Pt } from './geo';
import type { Layout } from './layout';
import { fakeName, fakePhone } from './population';

export interface LIncident {
  copy: number;
  category: IncidentCategory;
  severity: 'small' | 'big';
  status: IncidentStatus;
  title: string;
  description: string;
  address: string;
  reporterName: string;
  reporterPhone: string;
  community: number;
  grid: number;
  p: Pt;
  /** assignee is the owning grid's worker (index into population.gridWorker by grid) */
  assigned: boolean;
  leader: boolean;
  plan: string | null;
  planDueAt: number | null;
  dueAt: number;
  escalationLevel: number;
  escalatedAt: number | null;
  reworkCount: number;
  resolved: boolean;
  verified: boolean;
  reply: string | null;
  repliedAt: number | null;
  satisfaction: number | null;
  reportedAt: number;
  acceptedAt: number | null;
  assignedAt: number | null;
  resolvedAt: number | null;
  verifiedAt: number | null;
  closedAt: number | null;
  updatedAt: number;
  version: number;
  stamp: string;
}

const TITLES: Record<IncidentCategory, string[]> = {
  public_sentiment: ['居民反映小区环境意见', '楼门长收集居民建议', '居民反映物业服务问题'],
  appeal: ['居民诉求：屋顶漏水', '居民诉求：供暖不热', '居民诉求：电梯加装咨询', '居民诉求：老旧管网改造'],
  care: ['独居老人需要帮助', '困难家庭临时救助', '残疾人出行协助'],
  mediation: ['邻里噪音纠纷', '楼上漏水邻里纠纷', '停车位纠纷', '宠物扰民纠纷'],
  errand: ['代办养老认证', '代办医保报销材料', '代办居住证明'],
  environment: ['垃圾堆放未清运', '楼道堆物', '绿地被毁', '油烟扰民', '建筑垃圾乱倒'],
  safety: ['电动车楼道充电', '消防通道堵塞', '燃气管道老化', '外墙脱落隐患'],
  security: ['监控设备故障', '单元门禁损坏', '可疑人员出入'],
  emergency: ['雨后积水', '路面塌陷', '树木倒伏', '停水停电'],
  parking: ['车辆占用消防通道', '私设地锁', '候鸟停车场咨询', '小区停车难'],
  party: ['党员志愿服务任务', '在职党员报到服务', '党员结对帮扶'],
};

const CATEGORY_WEIGHTS: Record<IncidentCategory, number> = {
  public_sentiment: 10, appeal: 14, care: 8, mediation: 9, errand: 7, environment: 18,
  safety: 10, security: 6, emergency: 4, parking: 11, party: 3,
};

/** Relative report rate by local hour (Asia/Shanghai): quiet at night, busiest in working hours. */
const HOUR_WEIGHT = [0.15, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1, 1.3, 1.5, 1.5, 1.4, 1.1, 1.2, 1.4, 1.5, 1.4, 1.3, 1.2, 1.1, 0.9, 0.7, 0.4, 0.25];

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface IncidentPlan {
  count: number;
  copies: number;
  historyDays: number;
  anchor: number;
  seed: number;
}

/** Yields `count` incidents in report-time order of generation (not sorted), deterministic per seed. */
export function* generateIncidents(layout: Layout, plan: IncidentPlan): Generator<LIncident> {
  const rng = new Rng(plan.seed, 'incidents');
  const homes = layout.buildings.filter((b) => b.households > 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const b of homes) cumulative.push((acc += b.residents));
  const categories = [...INCIDENT_CATEGORIES];
  const catWeights = categories.map((c) => CATEGORY_WEIGHTS[c]);
  const maxHour = Math.max(...HOUR_WEIGHT);
  const span = plan.historyDays * DAY;

  for (let n = 0; n < plan.count; n++) {
    const copy = plan.copies === 1 ? 0 : rng.int(0, plan.copies - 1);
    // Report time: uniform over the window, thinned by the hour-of-day profile.
    let reportedAt: number;
    for (;;) {
      reportedAt = plan.anchor - Math.floor(rng.next() * span);
      const hour = new Date(reportedAt + 8 * HOUR).getUTCHours();
      if (rng.next() * maxHour < HOUR_WEIGHT[hour]) break;
    }
    // Place: a hot area (with its typical categories) or near a home, weighted by residents.
    let category: IncidentCategory;
    let grid: number;
    let p: Pt;
    let address: string;
    const hot = layout.hotSpots.find((h) => rng.chance(h.share));
    if (hot) {
      category = rng.chance(0.8) ? (rng.pick(hot.categories) as IncidentCategory) : categories[rng.weighted(catWeights)];
      grid = hot.grid;
      const r = layout.grids[grid].rect;
      p = [
        Math.min(r.x1 - 2, Math.max(r.x0 + 2, hot.center[0] + rng.range(-45, 45))),
        Math.min(r.y1 - 2, Math.max(r.y0 + 2, hot.center[1] + rng.range(-35, 35))),
      ];
      address = `${layout.grids[grid].name}附近`;
    } else {
      category = categories[rng.weighted(catWeights)];
      const target = rng.next() * acc;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] > target) hi = mid;
        else lo = mid + 1;
      }
      const b = homes[lo];
      grid = b.grid;
      const r = layout.grids[grid].rect;
      p = [
        Math.min(r.x1 - 2, Math.max(r.x0 + 2, rng.range(b.rect.x0 - 5, b.rect.x1 + 5))),
        Math.min(r.y1 - 2, Math.max(r.y0 + 2, rng.range(b.pathY, b.rect.y1 + 4))),
      ];
      address = b.address;
    }
    const severity = rng.chance(category === 'emergency' ? 0.5 : 0.06) ? 'big' : 'small';
    const due = dueTimes(severity, new Date(reportedAt));
    const title = rng.pick(TITLES[category]);

    const inc: LIncident = {
      copy, category, severity, status: 'reported', title,
      description: `${title}（样例数据，非真实事件）`,
      address, reporterName: fakeName(rng), reporterPhone: fakePhone(rng),
      community: layout.grids[grid].community, grid, p,
      assigned: false, leader: severity === 'big', plan: null,
      planDueAt: due.planDueAt ? due.planDueAt.getTime() : null, dueAt: due.dueAt.getTime(),
      escalationLevel: 0, escalatedAt: null, reworkCount: 0, resolved: false, verified: false,
      reply: null, repliedAt: null, satisfaction: null,
      reportedAt, acceptedAt: null, assignedAt: null, resolvedAt: null, verifiedAt: null, closedAt: null,
      updatedAt: reportedAt, version: 1, stamp: shanghaiDateStamp(new Date(reportedAt)),
    };
    const now = plan.anchor;
    const at = (t: number): boolean => t <= now;

    if (rng.chance(0.03)) {
      const t = reportedAt + rng.int(20, 120) * MIN;
      if (at(t)) {
        Object.assign(inc, { status: 'rejected', reply: '经核实不属于受理范围，已告知来源渠道（样例）', repliedAt: t, updatedAt: t, version: 2 });
      }
      yield inc;
      continue;
    }
    // The loop's stage times; a slow case (about 1 in 8) overruns its due time and gets escalated.
    const slow = rng.chance(0.12);
    const tAcc = reportedAt + rng.int(5, 60) * MIN;
    const tAsg = tAcc + rng.int(5, 90) * MIN;
    const tStart = tAsg + rng.int(10, 120) * MIN;
    const work = severity === 'small' ? rng.range(1, slow ? 60 : 26) * HOUR : rng.range(24, slow ? 240 : 140) * HOUR;
    const rework = rng.chance(0.1);
    const tRes = tStart + work + (rework ? rng.range(4, 24) * HOUR : 0);
    const tVer = tRes + rng.range(1, 10) * HOUR;
    const tClose = tVer + rng.range(0.5, 4) * HOUR;

    const stages: [IncidentStatus, number][] = [
      ['accepted', tAcc], ['assigned', tAsg], ['in_progress', tStart], ['resolved', tRes], ['verified', tVer], ['closed', tClose],
    ];
    for (const [status, t] of stages) {
      if (!at(t)) break;
      inc.status = status;
      inc.updatedAt = t;
      inc.version += 1;
    }
    if (inc.status !== 'reported') {
      inc.acceptedAt = tAcc;
      if (severity === 'big') inc.plan = '领导包案：联合相关部门现场会商，制定处置方案并明确时限（样例）';
    }
    if (at(tAsg)) {
      inc.assigned = true;
      inc.assignedAt = tAsg;
    }
    if (at(tRes)) {
      inc.resolved = true;
      inc.resolvedAt = tRes;
      if (rework) {
        inc.reworkCount = 1;
        inc.version += 2; // resolved → in_progress → resolved
      }
    }
    if (at(tVer)) {
      inc.verified = true;
      inc.verifiedAt = tVer;
    }
    if (at(tClose)) {
      inc.closedAt = tClose;
      inc.reply = '已处置完毕，结果已向反映人反馈（样例）';
      inc.repliedAt = tClose;
      inc.satisfaction = [5, 4, 3, 2, 1][rng.weighted([55, 30, 10, 4, 1])];
    }
    // Escalation (督办) once the case runs past its due time unresolved.
    const doneAt = inc.resolvedAt ?? now;
    if (doneAt > inc.dueAt + 30 * MIN) {
      inc.escalationLevel = doneAt > inc.dueAt + 2 * DAY ? 2 : 1;
      inc.escalatedAt = inc.dueAt + 30 * MIN;
      inc.updatedAt = Math.max(inc.updatedAt, inc.escalatedAt);
    }
    yield inc;
  }
}
