// The shape of a believable day in the street, as data plus small pure functions (SIMULATION ONLY: these
// curves are invented to look plausible, not measured). Hours are Asia/Shanghai local time.
import type { IncidentCategory, ParkingKind } from '../../common/domain';

/** Relative incident arrivals per local hour (quiet night, morning and afternoon peaks, an evening bump). */
export const ARRIVALS_BY_HOUR: readonly number[] = [
  0.15, 0.1, 0.08, 0.06, 0.08, 0.2, 0.5, 1.0, 1.6, 2.0, 2.0, 1.7,
  1.2, 1.3, 1.7, 1.9, 1.8, 1.5, 1.4, 1.5, 1.2, 0.8, 0.5, 0.3,
];

const MEAN_ARRIVAL = ARRIVALS_BY_HOUR.reduce((a, b) => a + b, 0) / 24;

/** Expected incidents in [hour, hour + dtHours) for an average of `ratePerHour` over the day. */
export function expectedArrivals(hour: number, dtHours: number, ratePerHour: number): number {
  return (ratePerHour * ARRIVALS_BY_HOUR[Math.floor(hour) % 24] * dtHours) / MEAN_ARRIVAL;
}

type Mix = Partial<Record<IncidentCategory, number>>;

/** Category weights by part of the day: cleaning complaints in the morning, parking and disputes at night. */
const MIX: Array<{ from: number; to: number; mix: Mix }> = [
  { from: 0, to: 6, mix: { security: 3, emergency: 1, parking: 2, mediation: 1, safety: 1 } },
  { from: 6, to: 11, mix: { environment: 4, care: 3, errand: 3, appeal: 2, public_sentiment: 2, safety: 1, party: 1 } },
  { from: 11, to: 17, mix: { appeal: 3, errand: 3, environment: 2, safety: 2, public_sentiment: 2, care: 2, party: 1, emergency: 0.3 } },
  { from: 17, to: 24, mix: { parking: 5, mediation: 3, security: 2, environment: 1, public_sentiment: 1, emergency: 0.3 } },
];

export function categoryMix(hour: number): Mix {
  const h = Math.floor(hour) % 24;
  return (MIX.find((m) => h >= m.from && h < m.to) ?? MIX[0]).mix;
}

/** Share of a lot that is occupied at a local hour, by kind (residential full at night, public by day). */
export function parkingOccupancyShare(kind: ParkingKind, hour: number, weekend: boolean): number {
  const h = hour % 24;
  const bell = (peak: number, width: number) => Math.exp(-(((h - peak) / width) ** 2));
  switch (kind) {
    case 'residential':
      return clamp(0.95 - 0.5 * bell(13, 4) * (weekend ? 0.5 : 1), 0.05, 0.98);
    case 'public':
      return clamp(0.2 + 0.7 * bell(11, 3.5) + 0.4 * bell(19, 2) * (weekend ? 1.3 : 1), 0.05, 0.97);
    case 'street':
      return clamp(0.5 + 0.45 * bell(20, 3) + 0.2 * bell(10, 3), 0.05, 0.99);
    case 'time_shared':
      // An office yard open to residents 17:30–08:00 and at weekends ("候鸟停车场").
      return weekend || h >= 17.5 || h < 8 ? clamp(0.3 + 0.65 * bell(22, 4) + 0.65 * bell(2, 4), 0.05, 0.95) : 0.1;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Short Chinese titles per category (prefixed "【模拟】" when sent, so they are never mistaken for real). */
export const TITLES: Record<IncidentCategory, readonly string[]> = {
  public_sentiment: ['居民反映楼道灯不亮', '居民建议增设休闲座椅', '小区门禁经常故障'],
  appeal: ['诉求：老旧小区加装电梯', '诉求：物业费公示不清', '诉求：供暖温度不达标'],
  care: ['独居老人需要上门探访', '残疾居民申请助餐服务', '困难家庭申请临时救助'],
  mediation: ['邻里噪音纠纷', '楼上漏水引发邻里矛盾', '停车位占用纠纷'],
  errand: ['代办老年优待证', '代办居住证明', '代缴水电费'],
  environment: ['垃圾桶满溢未清运', '绿地内堆放杂物', '道路油污需清理', '违规张贴小广告'],
  safety: ['楼道堆放杂物堵塞消防通道', '电动车楼内充电', '井盖松动存在隐患'],
  security: ['可疑人员徘徊', '监控摄像头损坏', '夜间有人翻越围墙'],
  emergency: ['燃气泄漏气味', '路面积水严重', '树木倒伏压住车辆'],
  parking: ['车辆占用消防通道', '僵尸车长期占用车位', '共享车位预约冲突'],
  party: ['党员志愿服务报名', '党员联系户走访任务'],
};

/** Deterministic PRNG (mulberry32) so a simulated day can be replayed with --seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson draw (Knuth; fine for the small means of one tick). */
export function poisson(mean: number, rand: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rand)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}

export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function pickWeighted<K extends string>(weights: Partial<Record<K, number>>, rand: () => number): K {
  const entries = Object.entries(weights) as Array<[K, number]>;
  const total = entries.reduce((a, [, w]) => a + w, 0);
  let x = rand() * total;
  for (const [k, w] of entries) {
    x -= w;
    if (x <= 0) return k;
  }
  return entries[entries.length - 1][0];
}

/** Local (Asia/Shanghai, UTC+8, no DST) hour of day as a fraction, and whether it is a weekend. */
export function shanghaiClock(t: Date): { hour: number; weekend: boolean } {
  const local = new Date(t.getTime() + 8 * 3600_000);
  const day = local.getUTCDay();
  return { hour: local.getUTCHours() + local.getUTCMinutes() / 60, weekend: day === 0 || day === 6 };
}
