// Writers for the brief's tables: CSV (RFC 4180, UTF-8 with BOM so Excel opens Chinese text correctly) and
// XLSX (exceljs). Both neutralise spreadsheet formula injection: a text cell starting with = + - @ (or a
// tab / carriage return) is prefixed with an apostrophe, as OWASP's CSV-injection guidance recommends.
import ExcelJS from 'exceljs';

export type CellValue = string | number | null;

export interface Table {
  /** Sheet name (≤ 31 characters, Excel's limit). */
  name: string;
  columns: string[];
  rows: CellValue[][];
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text that a spreadsheet would evaluate is made inert; numbers stay numbers. */
export function safeCellText(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function csvField(value: CellValue): string {
  if (value == null) return '';
  const text = typeof value === 'number' ? String(value) : safeCellText(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(table: Table): Buffer {
  const lines = [table.columns, ...table.rows].map((r) => r.map(csvField).join(','));
  return Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');
}

export async function toXlsx(tables: Table[], meta: { title: string; created: Date }): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '网格指挥中心';
  wb.title = meta.title;
  wb.created = meta.created;
  for (const t of tables) {
    const ws = wb.addWorksheet(t.name.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.addRow(t.columns).font = { bold: true };
    for (const r of t.rows) ws.addRow(r.map((v) => (typeof v === 'string' ? safeCellText(v) : v)));
    ws.columns.forEach((col, k) => {
      const longest = Math.max(t.columns[k].length * 2, ...t.rows.slice(0, 500).map((r) => String(r[k] ?? '').length));
      col.width = Math.min(60, Math.max(8, longest + 2));
    });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
