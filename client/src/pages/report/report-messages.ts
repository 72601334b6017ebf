// Words of the public report and tracking pages, Chinese first. Kept beside the pages (not in the app's
// dictionary) because residents see nothing else of the product; the locale comes from the shared I18n.
import type { Locale } from '../../i18n/messages';
import type { PublicStatus, ResidentCategory } from '../../../../common/resident';

const zh = {
  title: '民情直通车',
  subtitle: '居民随手拍 · 件件有回音',
  emergency: '紧急情况请直接拨打 110 / 119 / 120',
  where: '问题在哪里？',
  mapHint: '点击地图选择位置，或使用我的位置',
  useMyLocation: '使用我的位置',
  locating: '正在定位…',
  locateFailed: '无法获取位置，请在地图上点选',
  inStreet: '位置属于：',
  community: '社区',
  outside: '该位置不在本街道范围内，请重新选择',
  noPoint: '请先在地图上选择位置',
  what: '是什么问题？',
  describe: '请描述问题',
  describePlaceholder: '例如：3号楼楼道堆放杂物，堵住了消防通道',
  tooShort: '请至少写 5 个字',
  address: '详细地址（选填）',
  addressPlaceholder: '例如：3号楼2单元',
  phone: '联系电话（选填）',
  phoneNote: '仅供工作人员回访，不会公开',
  phoneInvalid: '请填写正确的电话号码',
  submit: '提交',
  solving: '正在进行安全校验（几秒钟）…',
  sending: '正在提交…',
  submitted: '已提交，感谢您的反映！',
  yourCode: '您的查询码',
  keepCode: '请保存查询码，凭它查看办理进度和街道的答复。',
  viewProgress: '查看办理进度',
  myReports: '我的上报',
  track: '查询进度',
  codePlaceholder: '输入 10 位查询码',
  query: '查询',
  notFound: '没有找到这个查询码，请核对后再试',
  reportedAt: '上报时间',
  category: '类别',
  progress: '办理进度',
  reply: '街道答复',
  noReply: '暂无答复，办结后会在这里答复您',
  rate: '请为办理结果打分',
  rated: '您的评价',
  thanks: '感谢您的评价！',
  newReport: '我要反映问题',
  rateLimited: '提交过于频繁，请稍后再试',
  failed: '提交失败：',
  network: '网络不可用，请稍后重试',
  noCrypto: '此浏览器不支持安全校验（需要 HTTPS），请换用其他浏览器',
  stars: '星',
  sample: '示例数据 · 非真实',
  photos: '照片（选填，最多 3 张）',
  addPhoto: '拍照或选择照片',
  removePhoto: '移除',
  photosSending: '正在上传照片 {n}/{total}…',
  photosSent: '已上传照片 {n} 张',
  photoFailed: '照片 {n} 未能上传：{why}',
  photoCount: '已附照片 {n} 张（照片仅工作人员可见）',
} as const;

type Key = keyof typeof zh;

const en: Record<Key, string> = {
  title: 'Report to the street',
  subtitle: 'Tell us what is wrong — every report gets an answer',
  emergency: 'In an emergency call 110 / 119 / 120',
  where: 'Where is it?',
  mapHint: 'Tap the map to choose the spot, or use my location',
  useMyLocation: 'Use my location',
  locating: 'Locating…',
  locateFailed: 'Could not get your location; tap the map instead',
  inStreet: 'Location in: ',
  community: ' community',
  outside: 'This spot is outside the street; choose another',
  noPoint: 'Choose the spot on the map first',
  what: 'What is the problem?',
  describe: 'Describe the problem',
  describePlaceholder: 'e.g. boxes block the fire escape in the stairwell of building 3',
  tooShort: 'Write at least 5 characters',
  address: 'Address details (optional)',
  addressPlaceholder: 'e.g. building 3, entrance 2',
  phone: 'Phone (optional)',
  phoneNote: 'Only for staff to call you back; never shown publicly',
  phoneInvalid: 'Enter a valid phone number',
  submit: 'Submit',
  solving: 'Running a security check (a few seconds)…',
  sending: 'Sending…',
  submitted: 'Sent — thank you!',
  yourCode: 'Your tracking code',
  keepCode: 'Keep this code: it shows the progress and the street’s answer.',
  viewProgress: 'See progress',
  myReports: 'My reports',
  track: 'Track a report',
  codePlaceholder: 'Enter the 10-character code',
  query: 'Look up',
  notFound: 'No report with this code; check it and try again',
  reportedAt: 'Reported',
  category: 'Category',
  progress: 'Progress',
  reply: 'The street’s answer',
  noReply: 'No answer yet; it will appear here when the case is closed',
  rate: 'Rate the outcome',
  rated: 'Your rating',
  thanks: 'Thank you for your rating!',
  newReport: 'Report a problem',
  rateLimited: 'Too many reports; please try again later',
  failed: 'Could not send: ',
  network: 'No network; please try again later',
  noCrypto: 'This browser cannot run the security check (HTTPS needed); please use another browser',
  stars: ' stars',
  sample: 'Sample data · not real',
  photos: 'Photos (optional, up to 3)',
  addPhoto: 'Take or choose a photo',
  removePhoto: 'Remove',
  photosSending: 'Uploading photo {n}/{total}…',
  photosSent: '{n} photo(s) uploaded',
  photoFailed: 'Photo {n} was not uploaded: {why}',
  photoCount: '{n} photo(s) attached (seen by staff only)',
};

export const CATEGORY_LABELS: Record<ResidentCategory, { zh: string; en: string }> = {
  environment: { zh: '环境卫生', en: 'Litter & environment' },
  safety: { zh: '安全隐患', en: 'Safety hazard' },
  parking: { zh: '停车问题', en: 'Parking' },
  security: { zh: '治安问题', en: 'Public order' },
  mediation: { zh: '邻里纠纷', en: 'Neighbour dispute' },
  care: { zh: '困难帮扶', en: 'Someone needs help' },
  appeal: { zh: '诉求建议', en: 'Request or idea' },
  public_sentiment: { zh: '其他', en: 'Other' },
};

export const STATUS_LABELS: Record<PublicStatus, { zh: string; en: string }> = {
  received: { zh: '已收到', en: 'Received' },
  accepted: { zh: '已受理', en: 'Accepted' },
  in_progress: { zh: '处置中', en: 'Being handled' },
  resolved: { zh: '已处置，核查中', en: 'Handled, being checked' },
  closed: { zh: '已办结', en: 'Closed' },
  not_accepted: { zh: '未受理', en: 'Not accepted' },
};

const zhText = (k: Key): string => zh[k];
const enText = (k: Key): string => en[k];

/** The lookup for a locale; the same function each time, so pages can use it in effect dependencies. */
export function reportText(locale: Locale): (k: Key) => string {
  return locale === 'en' ? enText : zhText;
}

export function label(locale: Locale, l: { zh: string; en: string }): string {
  return locale === 'en' ? l.en : l.zh;
}
