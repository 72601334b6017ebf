// Roster import (issue 14 item 2): the office's spreadsheet of grid workers, building heads, volunteer teams
// or Party members becomes rows of `people`, and the grid worker / building head rows move the map's
// responsibility chain (grids.worker_id, buildings.head_id) at once.
//
// The same person: a roster row is the person on file with the same mobile number (digits only; the
// number is required on every roll). So importing the same file again changes nothing, and an edited row
// is a "change" listing the fields that differ. What each roll sets:
//   grid_worker    role 网格员, the grid (by 15-digit code or exact name) and its community; the grid's worker
//   building_head  role 楼门长, the building (by code or exact name), its grid and community; the building's head
//   volunteer      the team name and, when given, the grid; a new person is a volunteer, a person already on
//                  file keeps their role (a grid worker may also serve in a team)
//   party_member   party_member and the branch, the grid when given; a member not on any other roll is kept
//                  as a volunteer (党员志愿者), the role under which the street mobilises members
// The identity number column is optional; when filled it must be a valid number (GB 11643) and unique in
// the file. It is never stored or echoed.
//
// Apply refuses the whole file if any row is refused: the office fixes the sheet and uploads it again, so
// the roll on file and the sheet in the office stay the same document.
import ExcelJS from 'exceljs';
import type { Queryable } from '../db/db';
import { AppError } from '../../common/errors';
import type { PersonRole } from '../../common/domain';
import type {
  RosterCounts,
  RosterFieldChange,
  RosterKind,
  RosterPreview,
  RosterPreviewRow,
  RosterRefusal,
} from '../../common/roster';
import { ROSTER_COMPLETE_KINDS } from '../../common/roster';
import { audit } from '../audit/audit';
import { deleteUserSessions } from '../auth/sessions';
import { checkIdNumber } from './id-number';
import type { Sheet } from './roster-file';

// --- columns -------------------------------------------------------------------------------------------
type ColumnKey = 'name' | 'phone' | 'idNumber' | 'party' | 'grid' | 'building' | 'team' | 'branch';
interface Column {
  key: ColumnKey;
  header: string;
  required: boolean;
  example: string;
  /** Other spellings offices use for the same column. */
  aliases?: string[];
}

const NAME: Column = { key: 'name', header: '姓名', required: true, example: '王建国' };
const PHONE: Column = { key: 'phone', header: '手机号', required: true, example: '13912345678', aliases: ['手机', '联系电话', '电话'] };
const ID: Column = { key: 'idNumber', header: '身份证号（可不填）', required: false, example: '', aliases: ['身份证号', '身份证号码'] };
const PARTY: Column = { key: 'party', header: '是否党员', required: false, example: '是', aliases: ['党员'] };
const gridCol = (required: boolean): Column => ({
  key: 'grid',
  header: required ? '网格（编码或名称）' : '网格（编码或名称，可不填）',
  required,
  example: '',
  aliases: ['网格', '网格编码', '网格名称', '所在网格'],
});
const BUILDING: Column = { key: 'building', header: '楼栋（编码或名称）', required: true, example: '', aliases: ['楼栋', '楼栋编码', '楼栋名称'] };
const TEAM: Column = { key: 'team', header: '志愿服务队', required: true, example: '平安巡逻队', aliases: ['队伍名称', '服务队'] };
const BRANCH: Column = { key: 'branch', header: '所在党支部', required: true, example: '第一党支部', aliases: ['党支部'] };

export const ROSTER_COLUMNS: Record<RosterKind, Column[]> = {
  grid_worker: [NAME, PHONE, ID, gridCol(true), PARTY],
  building_head: [NAME, PHONE, ID, BUILDING, PARTY],
  volunteer: [NAME, PHONE, ID, TEAM, gridCol(false), PARTY],
  party_member: [NAME, PHONE, ID, BRANCH, gridCol(false)],
};

export const ROSTER_TITLES: Record<RosterKind, string> = {
  grid_worker: '网格员名册',
  building_head: '楼门长名册',
  volunteer: '志愿服务队名册',
  party_member: '党员名册',
};

/** The template: the kind's Chinese headers and one example row (a real grid / building of this street). */
export async function rosterTemplate(db: Queryable, kind: RosterKind): Promise<Buffer> {
  const g = (await db.query<{ code: string }>('SELECT code FROM grids ORDER BY code LIMIT 1')).rows[0];
  const b = (await db.query<{ code: string }>('SELECT code FROM buildings ORDER BY id LIMIT 1')).rows[0];
  const cols = ROSTER_COLUMNS[kind];
  const wb = new ExcelJS.Workbook();
  wb.creator = '网格指挥中心';
  const ws = wb.addWorksheet(ROSTER_TITLES[kind]);
  ws.columns = cols.map((c) => ({ header: c.header, key: c.key, width: Math.max(14, c.header.length * 2 + 4), style: { numFmt: '@' } }));
  ws.getRow(1).font = { bold: true };
  ws.addRow(cols.map((c) => (c.key === 'grid' ? (g?.code ?? '') : c.key === 'building' ? (b?.code ?? '') : c.example)));
  const out = await wb.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}

function columnMap(kind: RosterKind, headers: string[]): Map<ColumnKey, string> {
  const found = new Map<ColumnKey, string>();
  const missing: string[] = [];
  for (const c of ROSTER_COLUMNS[kind]) {
    const h = headers.find((x) => x === c.header || c.aliases?.includes(x));
    if (h) found.set(c.key, h);
    else if (c.required) missing.push(c.header);
  }
  if (missing.length > 0) {
    throw new AppError(
      'ROSTER_COLUMNS_MISSING',
      `the sheet lacks the column(s) ${missing.join('、')} of the ${ROSTER_TITLES[kind]} — use the downloaded template (found: ${headers.filter(Boolean).join('、') || 'none'})`,
      'body',
      { missing, found: headers },
    );
  }
  return found;
}

// --- what is on file -------------------------------------------------------------------------------------
interface PersonOnFile {
  id: number;
  role: PersonRole;
  name: string;
  phone: string | null;
  digits: string;
  party_member: boolean;
  community_id: number | null;
  grid_id: number | null;
  building_id: number | null;
  team_name: string | null;
  party_branch: string | null;
  left_at: Date | string | null;
}
interface GridOnFile {
  id: number;
  code: string;
  name: string;
  community_id: number;
  worker_id: number | null;
}
interface BuildingOnFile {
  id: number;
  code: string;
  name: string | null;
  grid_id: number | null;
  community_id: number | null;
  head_id: number | null;
}

// --- the plan --------------------------------------------------------------------------------------------
/** What the row makes of the person: the values written to people, and the chain link it sets. */
interface Target {
  role: PersonRole;
  name: string;
  phone: string;
  party_member: boolean;
  community_id: number | null;
  grid_id: number | null;
  building_id: number | null;
  team_name: string | null;
  party_branch: string | null;
  workerOf: number | null;
  headOf: number | null;
}

export interface PlannedRow extends RosterPreviewRow {
  target: Target | null;
}

const PHONE_RE = /^1[3-9][0-9]{9}$/;
const ROLE_NAMES: Record<PersonRole, string> = {
  street_leader: '街道领导',
  community_secretary: '社区书记',
  community_staff: '社区工作者',
  grid_worker: '网格员',
  building_head: '楼门长',
  volunteer: '志愿者',
  cadre: '下沉干部',
};
const ID_PROBLEMS: Record<string, string> = {
  length: 'must have 18 characters',
  characters: 'must be 17 digits and a digit or X',
  birth_date: 'has no valid birth date',
  check_digit: 'fails its check digit',
};

function partyFlag(v: string): boolean | null | 'bad' {
  if (v === '') return null;
  if (['是', 'Y', 'y', 'yes', 'Yes', '1', '党员', '中共党员'].includes(v)) return true;
  if (['否', 'N', 'n', 'no', 'No', '0', '群众'].includes(v)) return false;
  return 'bad';
}

export interface RosterOptions {
  /** The sheet is the complete roll of its kind: who is on file but not in it leaves (ROSTER_COMPLETE_KINDS). */
  complete?: boolean;
}

export async function planRoster(db: Queryable, kind: RosterKind, sheet: Sheet, opts: RosterOptions = {}): Promise<{ preview: RosterPreview; planned: PlannedRow[] }> {
  if (opts.complete && !(ROSTER_COMPLETE_KINDS as readonly RosterKind[]).includes(kind)) {
    throw new AppError(
      'VALIDATION_ERROR',
      `only the grid worker and building head rolls can be imported as the complete roll; a ${ROSTER_TITLES[kind]} lists one team or branch of many — import it without "complete"`,
      'query.complete',
    );
  }
  const cols = columnMap(kind, sheet.headers);
  const cell = (r: Record<string, string>, k: ColumnKey) => {
    const h = cols.get(k);
    return h ? (r[h] ?? '').trim() : '';
  };
  const rows = sheet.rows.map((r) => ({
    row: r.row,
    name: cell(r.cells, 'name'),
    phone: cell(r.cells, 'phone').replace(/[\s-]/g, ''),
    idNumber: cell(r.cells, 'idNumber'),
    party: cell(r.cells, 'party'),
    grid: cell(r.cells, 'grid'),
    building: cell(r.cells, 'building'),
    team: cell(r.cells, 'team'),
    branch: cell(r.cells, 'branch'),
  }));

  // everything the file refers to, in three queries
  const phones = [...new Set(rows.map((r) => r.phone).filter((p) => PHONE_RE.test(p)))];
  const people = (
    await db.query<PersonOnFile>(
      `SELECT id, role, name, phone, regexp_replace(phone, '[^0-9]', '', 'g') AS digits, party_member, community_id, grid_id, building_id,
              team_name, party_branch, left_at
         FROM people WHERE regexp_replace(phone, '[^0-9]', '', 'g') = ANY($1::text[]) ORDER BY id`,
      [phones],
    )
  ).rows;
  const byPhone = new Map<string, PersonOnFile[]>();
  for (const p of people) byPhone.set(p.digits, [...(byPhone.get(p.digits) ?? []), { ...p, id: Number(p.id) }]);
  const grids = (await db.query<GridOnFile>('SELECT id, code, name, community_id, worker_id FROM grids')).rows.map((g) => ({
    ...g,
    id: Number(g.id),
    worker_id: g.worker_id == null ? null : Number(g.worker_id),
  }));
  const buildingKeys = [...new Set(rows.map((r) => r.building).filter(Boolean))];
  const buildings = (
    await db.query<BuildingOnFile>(
      'SELECT id, code, name, grid_id, community_id, head_id FROM buildings WHERE code = ANY($1::text[]) OR name = ANY($1::text[])',
      [buildingKeys],
    )
  ).rows.map((b) => ({ ...b, id: Number(b.id), head_id: b.head_id == null ? null : Number(b.head_id) }));
  const gridById = new Map(grids.map((g) => [g.id, g]));
  const buildingById = new Map(buildings.map((b) => [b.id, b]));
  // people named in "from" values of chain changes (the grid's current worker, the building's current head)
  const holderIds = [...grids.map((g) => g.worker_id), ...buildings.map((b) => b.head_id)].filter((x): x is number => x != null);
  const holders = new Map(
    (await db.query<{ id: number; name: string }>('SELECT id, name FROM people WHERE id = ANY($1::int[])', [holderIds])).rows.map((p) => [Number(p.id), p.name]),
  );

  const gridLabel = (id: number | null) => (id == null ? null : (g => (g ? `${g.name}（${g.code}）` : `#${id}`))(gridById.get(id)));
  const buildingLabel = (id: number | null, fallback?: string) =>
    id == null ? null : (b => (b ? `${b.name ?? b.code}（${b.code}）` : (fallback ?? `#${id}`)))(buildingById.get(id));

  const seenPhone = new Map<string, number>();
  const seenId = new Map<string, number>();
  const seenGrid = new Map<number, number>();
  const seenBuilding = new Map<number, number>();

  const planned: PlannedRow[] = rows.map((r) => {
    const refusals: PlannedRow['refusals'] = [];
    const refuse = (code: RosterRefusal, message: string) => refusals.push({ code, message });

    if (!r.name) refuse('MISSING_NAME', 'the name is empty');
    else if (r.name.length > 40) refuse('BAD_NAME', `the name has ${r.name.length} characters (at most 40)`);
    if (!PHONE_RE.test(r.phone)) refuse('BAD_PHONE', r.phone ? `"${r.phone}" is not an 11-digit mobile number` : 'the mobile number is empty');
    else if (seenPhone.has(r.phone)) refuse('DUPLICATE_PHONE', `mobile ${r.phone} is also on row ${seenPhone.get(r.phone)} of this file`);
    else seenPhone.set(r.phone, r.row);
    if (r.idNumber) {
      const id = checkIdNumber(r.idNumber);
      // the message never repeats the number
      if (!id.ok) refuse('BAD_ID_NUMBER', `the identity number ${ID_PROBLEMS[id.problem]}`);
      else if (seenId.has(id.value)) refuse('DUPLICATE_ID_NUMBER', `the same identity number is on row ${seenId.get(id.value)}`);
      else seenId.set(id.value, r.row);
    }
    const party = partyFlag(r.party);
    if (party === 'bad') refuse('BAD_PARTY_FLAG', `是否党员 "${r.party}" must be 是 or 否 (or empty)`);
    for (const [k, v] of [['team', r.team], ['branch', r.branch]] as const) if (v.length > 60) refuse('BAD_TEXT', `${k} has more than 60 characters`);

    let grid: GridOnFile | undefined;
    if (r.grid) {
      const hits = grids.filter((g) => g.code === r.grid || g.name === r.grid);
      const byCode = hits.filter((g) => g.code === r.grid);
      if (byCode.length === 1) grid = byCode[0];
      else if (hits.length === 1) grid = hits[0];
      else if (hits.length === 0) refuse('UNKNOWN_GRID', `no grid has the code or name "${r.grid}"`);
      else refuse('AMBIGUOUS_GRID', `${hits.length} grids are named "${r.grid}" — write the grid's 15-digit code`);
    } else if (kind === 'grid_worker') refuse('MISSING_GRID', 'the grid is empty');
    let building: BuildingOnFile | undefined;
    if (kind === 'building_head') {
      if (!r.building) refuse('MISSING_BUILDING', 'the building is empty');
      else {
        const byCode = buildings.filter((b) => b.code === r.building);
        const byName = buildings.filter((b) => b.name === r.building);
        if (byCode.length === 1) building = byCode[0];
        else if (byName.length === 1) building = byName[0];
        else if (byName.length === 0) refuse('UNKNOWN_BUILDING', `no building has the code or name "${r.building}"`);
        else refuse('AMBIGUOUS_BUILDING', `${byName.length} buildings are named "${r.building}" — write the building's code`);
      }
    }
    if (kind === 'volunteer' && !r.team) refuse('MISSING_TEAM', 'the volunteer team is empty');
    if (kind === 'party_member' && !r.branch) refuse('MISSING_BRANCH', 'the Party branch is empty');
    if (kind === 'grid_worker' && grid) {
      if (seenGrid.has(grid.id)) refuse('DUPLICATE_GRID', `grid ${grid.code} already has its grid worker on row ${seenGrid.get(grid.id)}`);
      else seenGrid.set(grid.id, r.row);
    }
    if (building) {
      if (seenBuilding.has(building.id)) refuse('DUPLICATE_BUILDING', `building ${building.code} already has its head on row ${seenBuilding.get(building.id)}`);
      else seenBuilding.set(building.id, r.row);
    }
    const matches = PHONE_RE.test(r.phone) ? (byPhone.get(r.phone) ?? []) : [];
    if (matches.length > 1) refuse('PHONE_SHARED', `${matches.length} people on file have mobile ${r.phone} — correct the roll on file first`);

    const place = r.grid || r.building || r.team || r.branch || null;
    const base = { row: r.row, name: r.name, phone: r.phone || null, place, changes: [] as RosterFieldChange[], refusals };
    if (refusals.length > 0) return { ...base, status: 'refused', personId: matches[0]?.id ?? null, target: null };

    const was = matches[0];
    const keepRole = was?.role ?? 'volunteer';
    const role: PersonRole = kind === 'grid_worker' ? 'grid_worker' : kind === 'building_head' ? 'building_head' : keepRole;
    const gridId = building ? building.grid_id : grid ? grid.id : (was?.grid_id ?? null);
    const target: Target = {
      role,
      name: r.name,
      phone: was?.phone ?? r.phone,
      party_member: kind === 'party_member' ? true : typeof party === 'boolean' ? party : (was?.party_member ?? false),
      community_id: building ? building.community_id : grid ? grid.community_id : (was?.community_id ?? null),
      grid_id: gridId,
      building_id: building ? building.id : (was?.building_id ?? null),
      team_name: kind === 'volunteer' ? r.team : (was?.team_name ?? null),
      party_branch: kind === 'party_member' ? r.branch : (was?.party_branch ?? null),
      workerOf: kind === 'grid_worker' && grid ? grid.id : null,
      headOf: building ? building.id : null,
    };
    const changes: RosterFieldChange[] = [];
    const diff = (field: RosterFieldChange['field'], from: string | null, to: string | null) => {
      if (from !== to) changes.push({ field, from, to });
    };
    const yesNo = (b: boolean) => (b ? '是' : '否');
    if (was) {
      diff('role', ROLE_NAMES[was.role], ROLE_NAMES[target.role]);
      diff('name', was.name, target.name);
      diff('grid', gridLabel(was.grid_id), gridLabel(target.grid_id));
      if (was.building_id !== target.building_id) diff('building', buildingLabel(was.building_id, `#${was.building_id}`), buildingLabel(target.building_id));
      diff('partyMember', yesNo(was.party_member), yesNo(target.party_member));
      diff('team', was.team_name, target.team_name);
      diff('branch', was.party_branch, target.party_branch);
      // back on the roll after leaving it (离册) on an earlier complete roll
      if (was.left_at != null) diff('onRoll', LEFT_LABEL, ON_ROLL_LABEL);
    }
    if (grid && target.workerOf != null && grid.worker_id !== was?.id) {
      changes.push({ field: 'gridWorker', from: grid.worker_id == null ? null : (holders.get(grid.worker_id) ?? `#${grid.worker_id}`), to: target.name });
    }
    if (building && building.head_id !== was?.id) {
      changes.push({ field: 'buildingHead', from: building.head_id == null ? null : (holders.get(building.head_id) ?? `#${building.head_id}`), to: target.name });
    }
    const status = !was ? 'create' : changes.length > 0 ? 'change' : 'unchanged';
    // a new person lists only whom they replace in the chain (everything else about them is new)
    const shown = was ? changes : changes.filter((x) => x.field === 'gridWorker' || x.field === 'buildingHead');
    return { ...base, status, personId: was?.id ?? null, changes: shown, target };
  });

  if (opts.complete) planned.push(...(await planLeavers(db, kind, phones, gridLabel)));
  const counts: RosterCounts = { rows: sheet.rows.length, create: 0, change: 0, unchanged: 0, refused: 0, leave: 0 };
  for (const p of planned) counts[p.status]++;
  const preview: RosterPreview = { kind, counts, rows: planned.map(({ target: _t, ...row }) => row) };
  return { preview, planned };
}

const LEFT_LABEL = '已离册';
const ON_ROLL_LABEL = '在册';

/**
 * Everyone on the roll of `kind` on file (grid workers, building heads, not already left) whose mobile number is
 * not in the sheet: they leave. Each row lists the posts that fall vacant and the accounts that stop, so the
 * administrator sees exactly what the apply will do.
 */
async function planLeavers(db: Queryable, kind: RosterKind, phonesInSheet: string[], gridLabel: (id: number | null) => string | null): Promise<PlannedRow[]> {
  const role: PersonRole = kind === 'grid_worker' ? 'grid_worker' : 'building_head';
  const gone = await db.query<{ id: number; name: string; phone: string | null; grid_id: number | null; posts: string[] | null; accounts: string[] | null }>(
    `SELECT p.id, p.name, p.phone, p.grid_id,
            ARRAY(SELECT g.name || '（' || g.code || '）' FROM grids g WHERE g.worker_id = p.id
                  UNION ALL SELECT coalesce(b.name, b.code) || '（' || b.code || '）' FROM buildings b WHERE b.head_id = p.id) AS posts,
            ARRAY(SELECT u.username FROM users u WHERE u.person_id = p.id AND NOT u.disabled AND u.role <> 'admin' ORDER BY u.username) AS accounts
       FROM people p
      WHERE p.role = $1 AND p.left_at IS NULL
        AND NOT (coalesce(regexp_replace(p.phone, '[^0-9]', '', 'g'), '') = ANY($2::text[]))
      ORDER BY p.id`,
    [role, phonesInSheet],
  );
  return gone.rows.map((p): PlannedRow => {
    const changes: RosterFieldChange[] = [{ field: 'onRoll', from: ON_ROLL_LABEL, to: LEFT_LABEL }];
    for (const post of p.posts ?? []) changes.push({ field: role === 'grid_worker' ? 'gridWorker' : 'buildingHead', from: `${post} ${p.name}`, to: null });
    for (const username of p.accounts ?? []) changes.push({ field: 'account', from: username, to: '停用' });
    return {
      row: null,
      status: 'leave',
      name: p.name,
      phone: p.phone,
      place: gridLabel(p.grid_id == null ? null : Number(p.grid_id)),
      personId: Number(p.id),
      changes,
      refusals: [],
      target: null,
    };
  });
}

/** What an apply did beyond the people rows: the accounts it stopped and their sessions, to end on every process. */
export interface RosterApplyEffects {
  disabledAccounts: string[];
  endedSessionIds: string[];
}

/** Writes the plan's created and changed rows (the caller holds the transaction). */
export async function applyRosterPlan(tx: Queryable, planned: PlannedRow[], by: { actor: string; ip: string | null }, now: Date): Promise<RosterApplyEffects> {
  const effects: RosterApplyEffects = { disabledAccounts: [], endedSessionIds: [] };
  for (const p of planned) {
    if (p.status === 'leave' && p.personId != null) await leaveRoll(tx, p.personId, by, now, effects);
    const t = p.target;
    if (!t || p.status === 'unchanged' || p.status === 'refused') continue;
    let id = p.personId;
    const values = [t.role, t.name, t.phone, t.party_member, t.community_id, t.grid_id, t.building_id, t.team_name, t.party_branch];
    if (id == null) {
      const r = await tx.query<{ id: number }>(
        `INSERT INTO people (role, name, phone, party_member, community_id, grid_id, building_id, team_name, party_branch)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        values,
      );
      id = Number(r.rows[0].id);
    } else {
      await tx.query(
        `UPDATE people SET role = $1, name = $2, phone = $3, party_member = $4, community_id = $5, grid_id = $6, building_id = $7,
                team_name = $8, party_branch = $9, left_at = NULL, version = version + 1
          WHERE id = $10`,
        [...values, id],
      );
    }
    // the chain follows: the grid / building of the row points at the person, and one they held before
    // (a worker moved to another grid) no longer does
    if (t.workerOf != null) {
      await tx.query('UPDATE grids SET worker_id = NULL WHERE worker_id = $1 AND id <> $2', [id, t.workerOf]);
      await tx.query('UPDATE grids SET worker_id = $1 WHERE id = $2 AND worker_id IS DISTINCT FROM $1', [id, t.workerOf]);
    }
    if (t.headOf != null) {
      await tx.query('UPDATE buildings SET head_id = NULL WHERE head_id = $1 AND id <> $2', [id, t.headOf]);
      await tx.query('UPDATE buildings SET head_id = $1 WHERE id = $2 AND head_id IS DISTINCT FROM $1', [id, t.headOf]);
    }
  }
  return effects;
}

/**
 * One person leaves the roll: off duty, posts vacated, and an account linked to them stops (its sessions end;
 * an administrator's account is left to the accounts page, so an import can never lock the office out).
 */
async function leaveRoll(tx: Queryable, personId: number, by: { actor: string; ip: string | null }, now: Date, effects: RosterApplyEffects): Promise<void> {
  await tx.query('UPDATE people SET left_at = $2, on_duty = false, version = version + 1 WHERE id = $1 AND left_at IS NULL', [personId, now]);
  await tx.query('UPDATE grids SET worker_id = NULL WHERE worker_id = $1', [personId]);
  await tx.query('UPDATE buildings SET head_id = NULL WHERE head_id = $1', [personId]);
  const stopped = await tx.query<{ id: number; username: string }>(
    `UPDATE users SET disabled = true WHERE person_id = $1 AND NOT disabled AND role <> 'admin' RETURNING id, username`,
    [personId],
  );
  for (const u of stopped.rows) {
    const ended = await deleteUserSessions(tx, Number(u.id));
    effects.disabledAccounts.push(u.username);
    effects.endedSessionIds.push(...ended);
    await audit(tx, {
      actor: by.actor,
      action: 'account.disable',
      entityType: 'user',
      entityId: Number(u.id),
      reason: '离册：不在导入的完整名册中 (left the roll: not on the complete roll imported)',
      detail: { username: u.username, personId, sessionsEnded: ended.length, via: 'roster.import' },
      ip: by.ip,
    });
  }
}
