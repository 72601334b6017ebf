// Issue 14 item 5: the audit log viewer on every backend — admins and leaders page and filter (who, what,
// which record, time range) and export as CSV and XLSX (parsed back here); other roles are refused; there
// is no route that changes or deletes audit rows, and an export is itself on the record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { USER_ROLES, type UserRole } from '../../common/domain';
import type { AuditPage, AuditRowDto } from '../../common/admin';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { listRoutes } from '../../server/auth/route-inventory';
import { call } from './admin-fixture';

/** RFC 4180 parser (quoted fields, doubled quotes, CRLF), enough to read our export back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

const DAY = 86_400_000;
const T0 = Date.parse('2026-10-01T00:00:00Z');

for (const backend of backends()) {
  describe(`audit log viewer (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    const sessions = new Map<UserRole, Session>();
    let admin: Session;
    let leader: Session;
    let actorA: number;
    const base = () => srv.baseUrl;

    async function page(qs: string, s: Session = admin): Promise<AuditPage> {
      const a = await call<AuditPage>(base(), s, 'GET', `/api/admin/audit?${qs}`);
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      return a.body;
    }

    beforeAll(async () => {
      t = await freshDb(backend, 'sample');
      srv = await startTestApp(t.db);
      for (const role of USER_ROLES) sessions.set(role, await loginAs(srv.baseUrl, t.db, role, role === 'admin' ? { username: 'audit_admin' } : {}));
      admin = sessions.get('admin')!;
      leader = sessions.get('leader')!;
      actorA = sessions.get('dispatcher')!.identity.userId;
      // 30 rows of our own over 30 days: two actions, two actors, three records, one with a formula-like reason
      for (let i = 0; i < 30; i++) {
        await t.db.query(
          `INSERT INTO audit_log (at, actor, action, entity_type, entity_id, reason, detail, ip) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)`,
          [
            new Date(T0 + i * DAY),
            i % 3 === 0 ? `user:${actorA}` : 'system:test',
            i % 2 === 0 ? 'viewer.alpha' : 'viewer.beta',
            'incident',
            String(i % 3),
            i === 7 ? '=HYPERLINK("http://evil","点我")' : `第${i}条`,
            JSON.stringify({ n: i, note: '逗号, "引号"\n换行' }),
            `10.0.0.${i}`,
          ],
        );
      }
    });
    afterAll(async () => {
      await srv.close();
      await t.drop();
    });

    it('pages newest first with a total; pages join up to the whole selection', async () => {
      const first = await page('action=viewer.&pageSize=7');
      expect(first.total).toBe(30);
      const ids: number[] = [];
      for (let p = 1; p <= 5; p++) ids.push(...(await page(`action=viewer.&pageSize=7&page=${p}`)).rows.map((r) => r.id));
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
      const all = (await page('action=viewer.&pageSize=30')).rows;
      expect(all.map((r) => r.id)).toEqual(ids);
      const times = all.map((r) => Date.parse(r.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(all[0]).toMatchObject({ action: 'viewer.beta', entityType: 'incident', ip: '10.0.0.29', reason: '第29条', detail: { n: 29 } });
    });

    it('filters by who (username or actor id), what (exact or prefix), which record, and time range', async () => {
      const username = sessions.get('dispatcher')!.username;
      const byName = await page(`actor=${username}&action=viewer.&pageSize=200`);
      expect(byName.total).toBe(10);
      expect(byName.rows.every((r) => r.actor === `user:${actorA}` && r.actorUsername === username && r.actorName === 'Test dispatcher')).toBe(true);
      expect((await page(`actor=user:${actorA}&action=viewer.`)).total).toBe(10);
      expect((await page('actor=system:test')).total).toBe(20);
      expect((await page('action=viewer.alpha')).total).toBe(15);
      expect((await page('action=viewer')).total).toBe(0); // exact unless it ends with "."
      expect((await page('action=viewer.&entityType=incident&entityId=2')).total).toBe(10);
      const from = new Date(T0 + 10 * DAY).toISOString();
      const to = new Date(T0 + 20 * DAY).toISOString();
      const ranged = await page(`action=viewer.&from=${from}&to=${to}&pageSize=200`);
      expect(ranged.total).toBe(10); // from inclusive, to exclusive
      expect(ranged.rows.map((r) => (r.detail as { n: number }).n).sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      const combined = await page(`actor=user:${actorA}&action=viewer.alpha&from=${from}&to=${to}`);
      expect(combined.rows.map((r) => (r.detail as { n: number }).n).sort((a, b) => a - b)).toEqual([12, 18]);
      // the distinct actions for the filter's list
      const actions = await call<{ actions: string[] }>(base(), admin, 'GET', '/api/admin/audit/actions');
      expect(actions.body.actions).toEqual(expect.arrayContaining(['viewer.alpha', 'viewer.beta', 'auth.login']));
      expect([...actions.body.actions].sort()).toEqual(actions.body.actions);
    });

    it('refuses bad filters with VALIDATION_ERROR naming the field', async () => {
      const cases: Array<[string, string]> = [
        ['from=yesterday', 'query.from'],
        [`from=${new Date(T0 + DAY).toISOString()}&to=${new Date(T0).toISOString()}`, 'query.from'],
        ['pageSize=201', 'query.pageSize'],
        ['page=0', 'query.page'],
        ["action=x' OR 1=1", 'query.action'],
        ['entityType=inci dent', 'query.entityType'],
        ['sort=at', 'query.sort'],
      ];
      for (const [qs, field] of cases) {
        const a = await call(base(), admin, 'GET', `/api/admin/audit?${qs}`);
        expect([a.status, a.code, a.field], qs).toEqual([400, 'VALIDATION_ERROR', field]);
      }
      const fmt = await call(base(), admin, 'GET', '/api/admin/audit/export?format=pdf');
      expect([fmt.code, fmt.field]).toEqual(['VALIDATION_ERROR', 'query.format']);
    });

    it('exports the selection as CSV that parses back to the same rows, with formulas made inert', async () => {
      const res = await fetch(`${base()}/api/admin/audit/export?format=csv&action=viewer.`, { headers: { cookie: leader.cookie } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="?audit-log-\d{8}-\d{4}\.csv"?/);
      const bytes = Buffer.from(await res.arrayBuffer());
      // UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const [head, ...rows] = parseCsv(bytes.subarray(3).toString('utf8'));
      expect(head[0]).toBe('编号 ID');
      expect(head).toContain('来源地址 Address');
      expect(rows).toHaveLength(30);
      const expected = (await page('action=viewer.&pageSize=30')).rows;
      expect(rows.map((r) => Number(r[0]))).toEqual(expected.map((r) => r.id));
      const col = (name: string) => head.indexOf(name);
      const seven = rows.find((r) => JSON.parse(r[col('详情 Detail (JSON)')]).n === 7)!;
      expect(seven[col('原因 Reason')]).toBe(`'=HYPERLINK("http://evil","点我")`);
      expect(seven[col('来源地址 Address')]).toBe('10.0.0.7');
      expect(seven[col('操作 Action')]).toBe('viewer.beta');
      expect(JSON.parse(seven[col('详情 Detail (JSON)')])).toEqual({ n: 7, note: '逗号, "引号"\n换行' });
      expect(seven[col('时间 ISO')]).toBe(new Date(T0 + 7 * DAY).toISOString());
      expect(seven[col('时间（北京时间）Time (UTC+8)')]).toBe('2026-10-08 08:00:00');
    });

    it('exports XLSX that exceljs reads back to the same rows', async () => {
      const res = await fetch(`${base()}/api/admin/audit/export?format=xlsx&action=viewer.alpha`, { headers: { cookie: admin.cookie } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
      const ws = wb.worksheets[0];
      expect(ws.name).toBe('审计日志 Audit log');
      const values: unknown[][] = [];
      ws.eachRow((row) => values.push((row.values as unknown[]).slice(1)));
      expect(values[0][0]).toBe('编号 ID');
      const expected: AuditRowDto[] = (await page('action=viewer.alpha&pageSize=30')).rows;
      expect(values.slice(1).map((v) => Number(v[0]))).toEqual(expected.map((r) => r.id));
      expect(values.slice(1).map((v) => v[6])).toEqual(expected.map(() => 'viewer.alpha'));
      expect(values.slice(1).map((v) => v[10])).toEqual(expected.map((r) => r.ip));
    });

    it('puts every export on the record (who, format, filter, rows)', async () => {
      const r = await t.db.query<{ actor: string; detail: unknown; ip: string }>(`SELECT actor, detail, ip FROM audit_log WHERE action = 'audit.export' ORDER BY id`);
      expect(r.rows.length).toBeGreaterThanOrEqual(2);
      const details = r.rows.map((x) => (typeof x.detail === 'string' ? JSON.parse(x.detail) : x.detail) as { format: string; rows: number; filter: { action?: string } });
      expect(details).toEqual(expect.arrayContaining([
        expect.objectContaining({ format: 'csv', rows: 30, filter: { action: 'viewer.' } }),
        expect.objectContaining({ format: 'xlsx', rows: 15, filter: { action: 'viewer.alpha' } }),
      ]));
      expect(r.rows.map((x) => x.actor)).toEqual(expect.arrayContaining([`user:${leader.identity.userId}`, `user:${admin.identity.userId}`]));
    });

    it('lets admins and leaders read it, refuses every other role, and offers no way to change it', async () => {
      const wrong: string[] = [];
      for (const path of ['/api/admin/audit', '/api/admin/audit/actions', '/api/admin/audit/export?format=csv']) {
        for (const role of USER_ROLES) {
          const a = await call(base(), sessions.get(role)!, 'GET', path);
          const allowed = role === 'admin' || role === 'leader';
          if (allowed ? a.status !== 200 : a.status !== 403 || a.code !== 'FORBIDDEN') wrong.push(`${role} ${path} → ${a.status} ${a.code}`);
        }
      }
      expect(wrong).toEqual([]);
      // a leader sees the log but not the accounts
      expect((await call(base(), leader, 'GET', '/api/admin/accounts')).code).toBe('FORBIDDEN');
      // every audit route of the app is a GET; writes to it do not exist
      const auditRoutes = listRoutes(srv.app.app).filter((r) => r.path.includes('/audit'));
      expect(auditRoutes.length).toBeGreaterThanOrEqual(3);
      expect(auditRoutes.filter((r) => r.method !== 'GET')).toEqual([]);
      const before = (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM audit_log')).rows[0].n;
      for (const method of ['DELETE', 'PUT', 'PATCH', 'POST']) {
        const a = await call(base(), admin, method, '/api/admin/audit/1', { reason: 'x' });
        expect([a.status, a.code], method).toEqual([404, 'NOT_FOUND']);
        const b = await call(base(), admin, method, '/api/admin/audit', { reason: 'x' });
        expect([b.status, b.code], method).toEqual([404, 'NOT_FOUND']);
      }
      expect((await t.db.query<{ n: number }>('SELECT count(*) AS n FROM audit_log')).rows[0].n).toBe(before);
    });
  });
}
