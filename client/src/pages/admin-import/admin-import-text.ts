// Texts of the /admin/import page, zh-CN first, chosen by the shell's current locale. Written for a street
// office's administrator: what to do next and why, not how the server works.
import { useI18n } from '../../i18n/i18n';
import type { CapabilityStatus } from '../../../../common/dataset';
import type { StageTarget } from '../../../../common/import-stage';

const TARGET_ZH: Record<StageTarget, string> = {
  street: '街道（名称、代码、边界）', communities: '社区', grids: '网格', buildings: '楼栋', walk: '步行路网',
  facilities: '服务设施', parking_lots: '停车场', violations: '双违点位', basemap: '底图要素', osm: 'OSM 数据（楼栋、路网、设施、底图一次导入）',
};
const TARGET_EN: Record<StageTarget, string> = {
  street: 'Street (name, code, boundary)', communities: 'Communities', grids: 'Grids', buildings: 'Buildings', walk: 'Walking network',
  facilities: 'Facilities', parking_lots: 'Parking lots', violations: 'Violation points', basemap: 'Basemap features', osm: 'OSM extract (buildings, network, facilities, basemap at once)',
};
/** Names of what an import wrote (report.imported keys); unknown keys are shown as they are. */
const TABLE_ZH: Record<string, string> = {
  streets: '街道', communities: '社区', communities_updated: '其中更新社区', grids: '网格', grids_updated: '其中更新网格',
  buildings: '楼栋', buildings_updated: '其中更新楼栋', facilities: '设施', facilities_updated: '其中更新设施', parking_lots: '停车场',
  violations: '双违点位', walk_nodes: '路网节点', walk_edges: '路网路段', basemap_features: '底图要素', building_access: '接入路网的楼栋',
  buildings_removed: '移除旧楼栋', facilities_removed: '移除旧设施',
};
type Cap = CapabilityStatus['capability'];
const CAP_ZH: Record<Cap, [string, string]> = {
  jurisdiction: ['辖区判定', '缺街道或社区：所有上报都会被判为“不在辖区内”'],
  routing: ['派到网格', '缺网格：上报无法自动派给所属网格和网格员'],
  dispatch: ['网格员派单', '网格还没有指定网格员：只能按步行时间推荐在岗人员'],
  walking: ['步行时间', '缺步行路网：没有步行时间，也算不了覆盖'],
  coverage: ['15分钟覆盖', '缺路网、设施或楼栋（或楼栋未接入路网）：算不了15分钟生活圈覆盖'],
  population: ['按人口统计', '楼栋没有居民数：覆盖只能按楼栋统计'],
  basemap: ['底图', '缺底图要素：地图下面没有道路和水系'],
};
const CAP_EN: Record<Cap, [string, string]> = {
  jurisdiction: ['Jurisdiction', 'no street or communities: every report is refused as outside the jurisdiction'],
  routing: ['Routing to grids', 'no grids: reports are not routed to a grid and its worker'],
  dispatch: ['Grid workers', 'no grid has a worker: dispatch ranks on-duty people by walking time only'],
  walking: ['Walking times', 'no walking network: no walking times, no coverage'],
  coverage: ['15-minute coverage', 'no network, facilities or buildings (or buildings not on the network): no coverage'],
  population: ['Residents', 'no residents on buildings: coverage is per building only'],
  basemap: ['Basemap', 'no basemap features: no roads or water under the layers'],
};

const ZH = {
  title: '数据导入',
  intro: '按顺序导入：先建街道，再导社区、网格，然后是楼栋、路网和设施。每一步先预览，确认无误再应用；取消不会改动任何数据。',
  adminOnly: '只有管理员可以导入数据。',
  steps: '导入步骤',
  capabilities: '现在能做什么',
  ready: '可用',
  notReady: '缺少',
  done: '已有 {n} 条',
  todo: '未导入',
  layer: '导入内容',
  file: '文件',
  fileHint: 'GeoJSON（.geojson/.json）、CSV（含经纬度列）、Shapefile 压缩包（.zip，含 .shp .dbf .prj）、OSM（.osm.pbf）',
  crs: '坐标系',
  crsHint: '从高德、腾讯地图取的坐标选 GCJ-02，从百度地图取的选 BD-09；选错会偏几百米。',
  wgs84: 'WGS84（GPS、OSM）', gcj02: 'GCJ-02（高德、腾讯）', bd09: 'BD-09（百度）',
  streetName: '街道名称', streetNameEn: '英文名（可选）', streetCode: '街道统计代码（12位，以000结尾）',
  makeValid: '自动修复无效图形（ST_MakeValid，逐个报告面积变化）',
  replace: '先清空该图层再导入',
  codeField: '代码所在字段（如 adcode）',
  codeMap: '代码对照表（JSON，如 {"120113": "120113001001"}）',
  codeMapBad: '代码对照表不是有效的 JSON 对象',
  upload: '上传并预览',
  uploading: '正在上传 {p}%',
  parsing: '正在解析：{phase}',
  phase_read: '读取文件', phase_check: '检查要素 {done}/{total}', phase_validate: 'PostGIS 校验图形', phase_write: '试写入（预览，不保存）', phase_done: '完成',
  preview: '预览',
  noPreview: '选择文件并上传后，这里显示将要导入的内容。',
  create: '新建', update: '更新', refuse: '拒绝',
  refused: '被拒绝的要素',
  noRefused: '没有被拒绝的要素。',
  reason: '原因', location: '位置', vertex: '最近顶点',
  repairMakeValid: '修复方法：勾选“自动修复无效图形”后重新预览，或在原文件中修正。',
  repairFile: '修复方法：在原文件中修正这一要素。',
  warnings: '提示',
  apply: '应用',
  applySkipping: '应用（跳过 {n} 个被拒要素）',
  cancel: '取消',
  applying: '正在导入…',
  applied: '已导入：{what}',
  cancelled: '已取消，文件已删除，数据未改动。',
  failed: '预览失败',
  truncated: '地图只显示前 {n} 个要素',
  osmNoMap: 'OSM 数据量大，预览只给出数量，不在地图上逐个显示。',
  streetRefusedApply: '街道边界有无效部分，不能应用：请修复或勾选自动修复后重新预览。',
  legendOk: '将导入', legendRefused: '被拒绝（警示色）', legendVertex: '出错位置',
  err_IMPORT_TOO_LARGE: '文件太大', err_IMPORT_TYPE_UNSUPPORTED: '文件类型不对', err_IMPORT_STAGE_GONE: '上传已过期或已取消，请重新上传', err_IMPORT_FAILED: '文件无法导入', err_INVALID_GEOMETRY: '图形无效', err_VALIDATION_ERROR: '内容不符合要求', err_IMPORT_INTERRUPTED: '服务器重启，处理中断，请重新预览',
  feature: '要素',
};
const EN: typeof ZH = {
  title: 'Data import',
  intro: 'Import in order: create the street, then communities and grids, then buildings, network and facilities. Each step is previewed first and applied only when you confirm; cancelling changes nothing.',
  adminOnly: 'Only administrators can import data.',
  steps: 'Steps',
  capabilities: 'What works now',
  ready: 'ready',
  notReady: 'missing',
  done: '{n} imported',
  todo: 'not imported',
  layer: 'What to import',
  file: 'File',
  fileHint: 'GeoJSON (.geojson/.json), CSV with coordinates, a zipped shapefile (.zip with .shp .dbf .prj), OSM (.osm.pbf)',
  crs: 'Coordinate system',
  crsHint: 'Coordinates from Amap or Tencent maps are GCJ-02, from Baidu maps BD-09; the wrong choice shifts them by a few hundred metres.',
  wgs84: 'WGS84 (GPS, OSM)', gcj02: 'GCJ-02 (Amap, Tencent)', bd09: 'BD-09 (Baidu)',
  streetName: 'Street name', streetNameEn: 'English name (optional)', streetCode: 'Statistical code (12 digits ending in 000)',
  makeValid: 'Repair invalid geometries (ST_MakeValid; each reported with its area change)',
  replace: 'Clear this layer first',
  codeField: 'Attribute holding the code (e.g. adcode)',
  codeMap: 'Code map (JSON, e.g. {"120113": "120113001001"})',
  codeMapBad: 'the code map is not a JSON object',
  upload: 'Upload and preview',
  uploading: 'Uploading {p}%',
  parsing: 'Parsing: {phase}',
  phase_read: 'reading the file', phase_check: 'checking features {done}/{total}', phase_validate: 'PostGIS validating geometries', phase_write: 'trial write (preview, not saved)', phase_done: 'done',
  preview: 'Preview',
  noPreview: 'Choose a file and upload it to see what would be imported.',
  create: 'new', update: 'updated', refuse: 'refused',
  refused: 'Refused features',
  noRefused: 'No feature was refused.',
  reason: 'Reason', location: 'Location', vertex: 'Nearest vertex',
  repairMakeValid: 'To repair: tick “Repair invalid geometries” and preview again, or fix it in the file.',
  repairFile: 'To repair: fix this feature in the file.',
  warnings: 'Notes',
  apply: 'Apply',
  applySkipping: 'Apply (skipping {n} refused)',
  cancel: 'Cancel',
  applying: 'Importing…',
  applied: 'Imported: {what}',
  cancelled: 'Cancelled: the file was deleted and no data changed.',
  failed: 'Preview failed',
  truncated: 'the map shows the first {n} features',
  osmNoMap: 'An OSM extract is large: the preview gives counts only, not every feature on the map.',
  streetRefusedApply: 'The street boundary has invalid parts and cannot be applied: fix them or tick repair and preview again.',
  legendOk: 'to import', legendRefused: 'refused (warning colour)', legendVertex: 'where it fails',
  err_IMPORT_TOO_LARGE: 'File too large', err_IMPORT_TYPE_UNSUPPORTED: 'Wrong file type', err_IMPORT_STAGE_GONE: 'The upload expired or was cancelled: upload again', err_IMPORT_FAILED: 'The file cannot be imported', err_INVALID_GEOMETRY: 'Invalid geometry', err_VALIDATION_ERROR: 'The content does not fit', err_IMPORT_INTERRUPTED: 'Interrupted by a server restart: preview again',
  feature: 'feature',
};

export type ImportTextKey = keyof typeof ZH;

export function useImportText() {
  const { locale } = useI18n();
  const dict = locale === 'zh-CN' ? ZH : EN;
  const fill = (s: string, vars: Record<string, string | number> = {}) => s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
  return {
    locale,
    t: (key: ImportTextKey, vars?: Record<string, string | number>) => fill(dict[key], vars),
    /** A message for a coded error, when the page has one. */
    error: (code: string): string | undefined => (dict as Record<string, string>)[`err_${code}`],
    target: (k: StageTarget) => (locale === 'zh-CN' ? TARGET_ZH[k] : TARGET_EN[k]),
    capability: (c: Cap) => (locale === 'zh-CN' ? CAP_ZH[c] : CAP_EN[c]),
    number: (n: number) => n.toLocaleString(locale),
    table: (k: string) => (locale === 'zh-CN' ? TABLE_ZH[k] ?? k : k.replace(/_/g, ' ')),
  };
}
