// Issue 14 item 2: rosters from the office's spreadsheets through /api/admin/rosters on every backend —
// template, preview (created / changed with the differing fields / unchanged / refused with the reason), one
// transactional apply that the map's responsibility chain follows at once, and every refusal with its code.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RosterApplyAnswer, RosterPreview, RosterPreviewRow } from '../../common/roster';
import type { UnitDetails } from '../../common/layers';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { call, type Answer } from './admin-fixture';
import { idCheckChar } from '../../server/admin/id-number';

const GW_HEADERS = ['姓名', '手机号', '身份证号（可不填）', '网格（编码或名称）', '是否党员'];

async function xlsx(headers: string[], rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('名册');
  ws.addRow(headers);
  for (const r of rows) ws.addRow(r);
  return Buffer.from((await wb.xlsx.writeBuffer()) as ArrayBuffer);
}

function csv(headers: string[], rows: string[][]): Buffer {
  return Buffer.from('\uFEFF' + [headers, ...rows].map((r) => r.join(',')).join('\r\n') + '\r\n', 'utf8');
}

/** A valid identity number (GB 11643) for a birth date and sequence. */
function idNumber(birth: string, seq: string): string {
  const first17 = `110105${birth}${seq}`;
  return first17 + idCheckChar(first17);
}

async function upload<T>(baseUrl: string, s: Session | null, path: string, bytes: Buffer, type = 'application/octet-stream'): Promise<Answer<T>> {
  const headers: Record<string, string> = { 'content-type': type };
  if (s) Object.assign(headers, { cookie: s.cookie, 'x-csrf-token': s.csrf });
  const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body: new Uint8Array(bytes) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  const err = (body as { error?: { code?: string; field?: string; message?: string } }).error;
  return { status: res.status, body: body as T, code: err?.code, field: err?.field, message: err?.message, headers: res.headers };
}

for (const backend of backends()) {
  describe(`roster import (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    let admin: Session;
    let leader: Session;
    let dispatcher: Session;
    let grids: { id: number; code: string; name: string; worker_id: number | null }[];
    const base = () => srv.baseUrl;
    const preview = (kind: string, bytes: Buffer, s: Session = admin) => upload<RosterPreview>(base(), s, `/api/admin/rosters/${kind}/preview`, bytes);
    const apply = (kind: string, bytes: Buffer, s: Session = admin) => upload<RosterApplyAnswer>(base(), s, `/api/admin/rosters/${kind}/apply`, bytes);
    const byRow = (p: RosterPreview, row: number): RosterPreviewRow => p.rows.find((r) => r.row === row) as RosterPreviewRow;
    const peopleCount = async () => Number((await t.db.query<{ n: number }>('SELECT count(*) AS n FROM people')).rows[0].n);
    const versions = async () => (await t.db.query<{ v: string }>(`SELECT string_agg(id || ':' || version, ',' ORDER BY id) AS v FROM people`)).rows[0].v;

    // the roster of this test: two grid workers for the street's first two grids
    let sheet: (string | number)[][];

    beforeAll(async () => {
      t = await freshDb(backend, 'sample');
      srv = await startTestApp(t.db);
      admin = await loginAs(srv.baseUrl, t.db, 'admin');
      leader = await loginAs(srv.baseUrl, t.db, 'leader');
      dispatcher = await loginAs(srv.baseUrl, t.db, 'dispatcher');
      grids = (await t.db.query<{ id: number; code: string; name: string; worker_id: number | null }>('SELECT id, code, name, worker_id FROM grids ORDER BY code')).rows.map(
        (g) => ({ ...g, id: Number(g.id), worker_id: g.worker_id == null ? null : Number(g.worker_id) }),
      );
      sheet = [
        ['李红梅', '13912340001', idNumber('19800412', '123'), grids[0].code, '是'],
        // by name rather than code, a phone written with spaces, no identity number
        ['赵文斌', '139 1234 0002', '', grids[1].name, '否'],
      ];
    });
    afterAll(async () => {
      await srv.close();
      await t.drop();
    });

    it('serves a template per roster kind: XLSX with the Chinese headers and one example row', async () => {
      const res = await fetch(`${base()}/api/admin/rosters/grid_worker/template`, { headers: { cookie: admin.cookie } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('spreadsheetml');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await res.arrayBuffer()) as ExcelJS.Buffer);
      const ws = wb.worksheets[0];
      expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(GW_HEADERS);
      expect(ws.rowCount).toBe(2);
      expect(ws.getRow(2).getCell(4).text).toBe(grids[0].code);
      for (const kind of ['building_head', 'volunteer', 'party_member']) {
        const r = await fetch(`${base()}/api/admin/rosters/${kind}/template`, { headers: { cookie: admin.cookie } });
        expect(r.status, kind).toBe(200);
      }
      // the downloaded template, filled in as it is, previews without refusals
      const again = await fetch(`${base()}/api/admin/rosters/volunteer/template`, { headers: { cookie: admin.cookie } });
      const p = await preview('volunteer', Buffer.from(await again.arrayBuffer()));
      expect(p.status).toBe(200);
      expect(p.body.counts).toMatchObject({ rows: 1, refused: 0, leave: 0 });
    });

    it('previews every row that will be created, writes nothing until apply, then applies in one go and the chain follows', async () => {
      const before = await peopleCount();
      const file = await xlsx(GW_HEADERS, sheet);
      const p = await preview('grid_worker', file);
      expect(p.status, JSON.stringify(p.body)).toBe(200);
      expect(p.body.counts).toEqual({ rows: 2, create: 2, change: 0, unchanged: 0, refused: 0, leave: 0 });
      expect(byRow(p.body, 2)).toMatchObject({ status: 'create', name: '李红梅', phone: '13912340001' });
      expect(byRow(p.body, 3)).toMatchObject({ status: 'create', name: '赵文斌', phone: '13912340002' });
      // a new grid worker shows whom they replace as the grid's worker
      const was = (await t.db.query<{ name: string }>('SELECT p.name FROM grids g JOIN people p ON p.id = g.worker_id WHERE g.id = $1', [grids[0].id])).rows[0];
      expect(byRow(p.body, 2).changes).toEqual([{ field: 'gridWorker', from: was?.name ?? null, to: '李红梅' }]);
      expect(JSON.stringify(p.body)).not.toContain(String(sheet[0][2])); // the identity number is never echoed
      expect(await peopleCount()).toBe(before);

      const a = await apply('grid_worker', file);
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body.counts).toMatchObject({ create: 2, change: 0, refused: 0, leave: 0 });
      expect(await peopleCount()).toBe(before + 2);
      const li = (await t.db.query<{ id: number; role: string; grid_id: number; party_member: boolean; phone: string }>(
        `SELECT id, role, grid_id, party_member, phone FROM people WHERE name = '李红梅'`,
      )).rows;
      expect(li).toHaveLength(1);
      expect(li[0]).toMatchObject({ role: 'grid_worker', party_member: true, phone: '13912340001' });
      expect(Number(li[0].grid_id)).toBe(grids[0].id);
      // grids.worker_id and the map's responsibility chain (五级力量) name the imported workers
      const w = await t.db.query<{ worker_id: number }>('SELECT worker_id FROM grids WHERE id = $1', [grids[0].id]);
      expect(Number(w.rows[0].worker_id)).toBe(Number(li[0].id));
      const unit = await call<UnitDetails>(base(), dispatcher, 'GET', `/api/units/grid/${grids[1].id}`);
      expect(unit.status).toBe(200);
      const link = unit.body.chain.find((c) => c.role === 'grid_worker');
      expect(link).toMatchObject({ name: '赵文斌', phone: '13912340002' });
      // the identity number is stored nowhere
      const dump = await t.db.query<{ j: string }>(`SELECT json_agg(p)::text AS j FROM people p`);
      expect(dump.rows[0].j).not.toContain(String(sheet[0][2]));
      // audited with the counts
      const au = await t.db.query<{ detail: unknown; actor: string }>(`SELECT detail, actor FROM audit_log WHERE action = 'roster.import'`);
      expect(au.rows).toHaveLength(1);
      const detail = typeof au.rows[0].detail === 'string' ? JSON.parse(au.rows[0].detail) : au.rows[0].detail;
      expect(detail).toMatchObject({ kind: 'grid_worker', create: 2, change: 0, refused: 0, rows: 2 });
      expect(au.rows[0].actor).toBe(`user:${admin.identity.userId}`);
    });

    it('re-importing the same file changes nothing', async () => {
      const file = await xlsx(GW_HEADERS, sheet);
      const v = await versions();
      const p = await preview('grid_worker', file);
      expect(p.body.counts).toEqual({ rows: 2, create: 0, change: 0, unchanged: 2, refused: 0, leave: 0 });
      const a = await apply('grid_worker', file);
      expect(a.body.counts).toMatchObject({ create: 0, change: 0, unchanged: 2 });
      expect(await versions()).toBe(v);
      // the same roll as CSV is the same people too
      const c = await preview('grid_worker', csv(GW_HEADERS, sheet.map((r) => r.map(String))));
      expect(c.body.counts).toMatchObject({ unchanged: 2, create: 0, change: 0 });
    });

    it('reads a CSV saved by a Chinese Excel (GB18030/GBK) and two imports at once create each person once', async () => {
      // 姓名,手机号,网格 / 王,13912340051,<grid code> in GBK bytes (Node has no GBK encoder; the codes are GB2312's)
      const gbk = Buffer.concat([
        Buffer.from('d0d5c3fb2ccad6bbfabac52ccdf8b8f10d0a', 'hex'),
        Buffer.from('cdf5', 'hex'),
        Buffer.from(`,13912340051,${grids[10].code}\r\n`, 'ascii'),
      ]);
      const p = await preview('grid_worker', gbk);
      expect(p.status, JSON.stringify(p.body)).toBe(200);
      expect(byRow(p.body, 2)).toMatchObject({ status: 'create', name: '王', phone: '13912340051' });
      const [a, b] = await Promise.all([apply('grid_worker', gbk), apply('grid_worker', gbk)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect([a.body.counts.create, b.body.counts.create].sort()).toEqual([0, 1]);
      const n = await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM people WHERE phone = '13912340051'`);
      expect(Number(n.rows[0].n)).toBe(1);
    });

    it('an edited row is one change listing the fields that differ; a worker moved to another grid leaves the old one', async () => {
      const edited = sheet.map((r) => [...r]);
      edited[1][0] = '赵文彬';
      edited[1][3] = grids[2].code;
      const p = await preview('grid_worker', await xlsx(GW_HEADERS, edited));
      expect(p.body.counts).toEqual({ rows: 2, create: 0, change: 1, unchanged: 1, refused: 0, leave: 0 });
      const row = byRow(p.body, 3);
      expect(row.status).toBe('change');
      expect(row.changes.map((c) => c.field).sort()).toEqual(['grid', 'gridWorker', 'name']);
      expect(row.changes.find((c) => c.field === 'name')).toEqual({ field: 'name', from: '赵文斌', to: '赵文彬' });
      expect(row.changes.find((c) => c.field === 'grid')?.to).toContain(grids[2].code);
      const a = await apply('grid_worker', await xlsx(GW_HEADERS, edited));
      expect(a.body.counts).toMatchObject({ change: 1, unchanged: 1 });
      const zhao = (await t.db.query<{ id: number }>(`SELECT id FROM people WHERE phone = '13912340002'`)).rows[0];
      const g = await t.db.query<{ id: number; worker_id: number | null }>('SELECT id, worker_id FROM grids WHERE id = ANY($1::int[]) ORDER BY id', [[grids[1].id, grids[2].id]]);
      const byId = new Map(g.rows.map((x) => [Number(x.id), x.worker_id == null ? null : Number(x.worker_id)]));
      expect(byId.get(grids[2].id)).toBe(Number(zhao.id));
      expect(byId.get(grids[1].id)).toBeNull();
    });

    it('refuses rows with the reason — unknown grid, duplicate phone, malformed identity number — and apply then changes nothing', async () => {
      const bad = [
        ['钱一', '13912340011', '', '999999999999999', ''],
        ['孙二', '13912340012', '', grids[3].code, ''],
        ['李三', '13912340012', '', grids[4].code, ''],
        ['周四', '13912340014', '110105198004121230', grids[5].code, ''], // wrong check digit
        ['吴五', '13912340015', '11010519800412', grids[6].code, ''], // too short
        ['郑六', '12345', '', grids[7].code, ''],
        ['', '13912340017', '', grids[8].code, ''],
        ['王七', '13912340018', '', grids[9].code, '也许'],
        ['冯八', '13912340019', '', grids[3].code, ''],
      ];
      // make sure the wrong check digit really is wrong
      expect(idNumber('19800412', '123')).not.toBe('110105198004121230');
      const p = await preview('grid_worker', await xlsx(GW_HEADERS, bad));
      expect(p.status).toBe(200);
      const codes = (row: number) => byRow(p.body, row).refusals.map((r) => r.code);
      expect(codes(2)).toEqual(['UNKNOWN_GRID']);
      expect(byRow(p.body, 3).status).toBe('create');
      expect(codes(4)).toEqual(['DUPLICATE_PHONE']);
      expect(byRow(p.body, 4).refusals[0].message).toContain('row 3');
      expect(codes(5)).toEqual(['BAD_ID_NUMBER']);
      expect(byRow(p.body, 5).refusals[0].message).toContain('check digit');
      expect(byRow(p.body, 5).refusals[0].message).not.toContain('110105');
      expect(codes(6)).toEqual(['BAD_ID_NUMBER']);
      expect(codes(7)).toEqual(['BAD_PHONE']);
      expect(codes(8)).toEqual(['MISSING_NAME']);
      expect(codes(9)).toEqual(['BAD_PARTY_FLAG']);
      expect(codes(10)).toEqual(['DUPLICATE_GRID']);
      expect(p.body.counts).toMatchObject({ rows: 9, create: 1, refused: 8 });

      const before = await peopleCount();
      const v = await versions();
      const a = await apply('grid_worker', await xlsx(GW_HEADERS, bad));
      expect(a.status).toBe(422);
      expect(a.code).toBe('ROSTER_HAS_REFUSALS');
      expect(await peopleCount()).toBe(before);
      expect(await versions()).toBe(v);
    });

    it('refuses a bad file with its code: not a spreadsheet, empty, no data rows, missing columns, too large, unknown kind', async () => {
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      let a: Answer<unknown> = await preview('grid_worker', png);
      expect([a.status, a.code]).toEqual([415, 'ROSTER_FILE_UNREADABLE']);
      a = await preview('grid_worker', Buffer.from('504b0304deadbeef', 'hex')); // a zip header, then garbage
      expect([a.status, a.code]).toEqual([415, 'ROSTER_FILE_UNREADABLE']);
      a = await preview('grid_worker', Buffer.alloc(0));
      expect([a.status, a.code]).toEqual([400, 'ROSTER_FILE_EMPTY']);
      a = await preview('grid_worker', await xlsx(GW_HEADERS, []));
      expect([a.status, a.code]).toEqual([400, 'ROSTER_FILE_EMPTY']);
      a = await apply('grid_worker', Buffer.alloc(0));
      expect([a.status, a.code]).toEqual([400, 'ROSTER_FILE_EMPTY']);
      a = await preview('grid_worker', csv(['姓名', '电子邮件'], [['王', 'a@b.c']]));
      expect([a.status, a.code]).toEqual([422, 'ROSTER_COLUMNS_MISSING']);
      expect(a.message).toContain('手机号');
      a = await preview('grid_worker', Buffer.alloc(2 * 2 ** 20 + 10, 0x41));
      expect([a.status, a.code]).toEqual([413, 'ROSTER_FILE_TOO_LARGE']);
      a = await preview('cadre', csv(GW_HEADERS, [['王', '13912340099', '', grids[0].code, '']]));
      expect([a.status, a.code, a.field]).toEqual([400, 'VALIDATION_ERROR', 'params.kind']);
    });

    it('only administrators may download, preview or apply (wrong role, no session)', async () => {
      const file = await xlsx(GW_HEADERS, sheet);
      for (const s of [leader, dispatcher]) {
        expect((await preview('grid_worker', file, s)).status).toBe(403);
        expect((await apply('grid_worker', file, s)).status).toBe(403);
        const r = await fetch(`${base()}/api/admin/rosters/grid_worker/template`, { headers: { cookie: s.cookie } });
        expect(r.status).toBe(403);
      }
      expect((await upload(base(), null, '/api/admin/rosters/grid_worker/preview', file)).status).toBe(401);
    });

    it('building heads move buildings.head_id and the building chain; volunteers and Party members keep a person on file in their role', async () => {
      const b = (await t.db.query<{ id: number; code: string }>('SELECT id, code FROM buildings WHERE grid_id IS NOT NULL ORDER BY id LIMIT 1')).rows[0];
      const heads = await xlsx(['姓名', '手机号', '楼栋（编码或名称）'], [['陈楼长', '13912340031', b.code], ['何楼长', '13912340032', 'no-such-building']]);
      let p = await preview('building_head', heads);
      expect(byRow(p.body, 3).refusals.map((r) => r.code)).toEqual(['UNKNOWN_BUILDING']);
      const ok = await xlsx(['姓名', '手机号', '楼栋（编码或名称）'], [['陈楼长', '13912340031', b.code]]);
      expect((await apply('building_head', ok)).status).toBe(200);
      const chen = (await t.db.query<{ id: number }>(`SELECT id FROM people WHERE phone = '13912340031'`)).rows[0];
      expect(Number((await t.db.query<{ head_id: number }>('SELECT head_id FROM buildings WHERE id = $1', [b.id])).rows[0].head_id)).toBe(Number(chen.id));
      const unit = await call<UnitDetails>(base(), dispatcher, 'GET', `/api/units/building/${b.id}`);
      expect(unit.body.chain.find((c) => c.role === 'building_head')).toMatchObject({ personId: Number(chen.id), name: '陈楼长' });

      // a volunteer team as CSV: the grid worker 李红梅 also serves in a team and stays a grid worker
      const teams = csv(['姓名', '手机号', '志愿服务队'], [['李红梅', '13912340001', '平安巡逻队'], ['新志愿者', '13912340041', '平安巡逻队'], ['无队伍', '13912340042', '']]);
      p = await preview('volunteer', teams);
      expect(byRow(p.body, 2).changes).toEqual([{ field: 'team', from: null, to: '平安巡逻队' }]);
      expect(byRow(p.body, 3).status).toBe('create');
      expect(byRow(p.body, 4).refusals.map((r) => r.code)).toEqual(['MISSING_TEAM']);
      const good = csv(['姓名', '手机号', '志愿服务队'], [['李红梅', '13912340001', '平安巡逻队'], ['新志愿者', '13912340041', '平安巡逻队']]);
      expect((await apply('volunteer', good)).body.counts).toMatchObject({ create: 1, change: 1 });
      const li = (await t.db.query<{ role: string; team_name: string }>(`SELECT role, team_name FROM people WHERE phone = '13912340001'`)).rows[0];
      expect(li).toEqual({ role: 'grid_worker', team_name: '平安巡逻队' });
      expect((await t.db.query<{ role: string }>(`SELECT role FROM people WHERE phone = '13912340041'`)).rows[0].role).toBe('volunteer');

      // Party members: a member already on file gets the flag and branch; a valid identity number passes
      const members = csv(['姓名', '手机号', '身份证号', '所在党支部'], [['陈楼长', '13912340031', idNumber('19751103', '457'), '第一党支部']]);
      p = await preview('party_member', members);
      expect(p.body.counts).toMatchObject({ change: 1, refused: 0, leave: 0 });
      expect(byRow(p.body, 2).changes.map((c) => c.field).sort()).toEqual(['branch', 'partyMember']);
      expect((await apply('party_member', members)).status).toBe(200);
      const m = (await t.db.query<{ role: string; party_member: boolean; party_branch: string }>(`SELECT role, party_member, party_branch FROM people WHERE phone = '13912340031'`)).rows[0];
      expect(m).toEqual({ role: 'building_head', party_member: true, party_branch: '第一党支部' });
      expect((await preview('party_member', members)).body.counts).toMatchObject({ unchanged: 1 });
    });

    it('a complete roll: who is on file but not in the sheet leaves it — post vacated, off dispatch, account stopped — and comes back on a later roll', async () => {
      // this month's complete roll of grid workers: every grid's worker on file but one
      const holders = (
        await t.db.query<{ id: number; name: string; phone: string; code: string; grid_id: number }>(
          `SELECT p.id, p.name, p.phone, g.code, g.id AS grid_id FROM grids g JOIN people p ON p.id = g.worker_id
            WHERE p.role = 'grid_worker' AND p.left_at IS NULL ORDER BY g.code`,
        )
      ).rows.map((h) => ({ ...h, id: Number(h.id), grid_id: Number(h.grid_id) }));
      expect(holders.length).toBeGreaterThan(3);
      const gone = holders[2];
      const roll = holders.filter((h) => h !== gone).map((h) => [h.name, h.phone, '', h.code, '']);
      const file = await xlsx(GW_HEADERS, roll);
      // the person leaving has a sign-in account on the phone app
      const phoneUser = await loginAs(base(), t.db, 'worker', { personId: gone.id, scopeGridId: gone.grid_id });
      expect((await call(base(), phoneUser, 'GET', '/api/auth/me')).status).toBe(200);

      // without "complete" nobody leaves; with it, exactly the grid workers on file not in the sheet
      expect((await preview('grid_worker', file)).body.counts.leave).toBe(0);
      const completePath = (step: string) => `/api/admin/rosters/grid_worker/${step}?complete=1`;
      const p = await upload<RosterPreview>(base(), admin, completePath('preview'), file);
      expect(p.status, JSON.stringify(p.body)).toBe(200);
      expect(p.body.counts).toMatchObject({ rows: roll.length, refused: 0, create: 0 });
      const inSheet = new Set(roll.map((r) => String(r[1]).replace(/[^0-9]/g, '')));
      const expected = (
        await t.db.query<{ id: number; phone: string | null }>(`SELECT id, phone FROM people WHERE role = 'grid_worker' AND left_at IS NULL`)
      ).rows.filter((x) => !inSheet.has((x.phone ?? '').replace(/[^0-9]/g, ''))).map((x) => Number(x.id));
      const leaving = p.body.rows.filter((r) => r.status === 'leave');
      expect(leaving.map((r) => r.personId).sort((a, b) => Number(a) - Number(b))).toEqual(expected.sort((a, b) => a - b));
      expect(p.body.counts.leave).toBe(expected.length);
      const row = leaving.find((r) => r.personId === gone.id) as RosterPreviewRow;
      expect(row.row).toBeNull();
      expect(row.changes).toEqual([
        { field: 'onRoll', from: '在册', to: '已离册' },
        { field: 'gridWorker', from: expect.stringContaining(gone.code), to: null },
        { field: 'account', from: phoneUser.identity.username, to: '停用' },
      ]);
      expect((await t.db.query('SELECT 1 FROM people WHERE left_at IS NOT NULL')).rows).toHaveLength(0); // a preview writes nothing

      const a = await upload<RosterApplyAnswer>(base(), admin, completePath('apply'), file);
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body.counts.leave).toBe(expected.length);
      expect(a.body.disabledAccounts).toEqual([phoneUser.identity.username]);
      // the post is vacant, the person off duty and on file with the moment they left; their account is stopped
      const grid = (await t.db.query<{ worker_id: number | null }>('SELECT worker_id FROM grids WHERE id = $1', [gone.grid_id])).rows[0];
      expect(grid.worker_id).toBeNull();
      const person = (await t.db.query<{ left_at: unknown; on_duty: boolean }>('SELECT left_at, on_duty FROM people WHERE id = $1', [gone.id])).rows[0];
      expect(person.left_at).not.toBeNull();
      expect(person.on_duty).toBe(false);
      expect((await call(base(), phoneUser, 'GET', '/api/auth/me')).status).toBe(401);
      const unit = await call<UnitDetails>(base(), dispatcher, 'GET', `/api/units/grid/${gone.grid_id}`);
      expect(unit.body.chain.find((c) => c.role === 'grid_worker')?.personId ?? null).not.toBe(gone.id);
      const people = await call<{ people: { id: number }[] }>(base(), admin, 'GET', '/api/admin/people');
      expect(people.body.people.map((x) => x.id)).not.toContain(gone.id);
      const disabledAudit = await t.db.query(`SELECT 1 FROM audit_log WHERE action = 'account.disable' AND entity_id = $1`, [String(phoneUser.identity.userId)]);
      expect(disabledAudit.rows).toHaveLength(1);
      // the same complete roll again changes nothing
      expect((await upload<RosterPreview>(base(), admin, completePath('preview'), file)).body.counts).toMatchObject({ leave: 0, change: 0, create: 0 });

      // next month they are back on the roll: one change, on the roll again and the grid's worker again
      const back = await xlsx(GW_HEADERS, [...roll, [gone.name, gone.phone, '', gone.code, '']]);
      const p2 = await upload<RosterPreview>(base(), admin, completePath('preview'), back);
      const again = p2.body.rows.find((r) => r.personId === gone.id) as RosterPreviewRow;
      expect(again.status).toBe('change');
      expect(again.changes).toEqual(expect.arrayContaining([{ field: 'onRoll', from: '已离册', to: '在册' }, { field: 'gridWorker', from: null, to: gone.name }]));
      expect((await upload(base(), admin, completePath('apply'), back)).status).toBe(200);
      expect((await t.db.query<{ left_at: unknown }>('SELECT left_at FROM people WHERE id = $1', [gone.id])).rows[0].left_at).toBeNull();
      expect(Number((await t.db.query<{ worker_id: number }>('SELECT worker_id FROM grids WHERE id = $1', [gone.grid_id])).rows[0].worker_id)).toBe(gone.id);

      // a volunteer team's sheet is one team of many: it cannot be "complete"
      const v = await upload(base(), admin, '/api/admin/rosters/volunteer/preview?complete=1', csv(['姓名', '手机号', '志愿服务队'], [['甲', '13912340051', '平安巡逻队']]));
      expect([v.status, v.code, v.field]).toEqual([400, 'VALIDATION_ERROR', 'query.complete']);
    });
  });
}
