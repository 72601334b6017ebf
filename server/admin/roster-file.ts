// Reads an uploaded roster: an XLSX workbook (first sheet) or a CSV text (UTF-8, with or without BOM, or the
// GB18030/GBK that Excel writes when a Chinese Windows saves "CSV"). The first non-empty row is the header;
// every later non-empty row is kept with its spreadsheet row number so the preview can point at it.
import ExcelJS from 'exceljs';
import { parseString } from '@fast-csv/parse';
import { AppError } from '../../common/errors';

export interface SheetRow {
  /** 1-based row number as the spreadsheet shows it. */
  row: number;
  cells: Record<string, string>;
}

export interface Sheet {
  headers: string[];
  rows: SheetRow[];
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

const unreadable = (why: string) =>
  new AppError('ROSTER_FILE_UNREADABLE', `the file is not a readable spreadsheet (${why}) — save it as .xlsx or .csv from the downloaded template`, 'body');

function clean(v: string): string {
  return v.replace(/\u00a0/g, ' ').trim();
}

async function readXlsx(bytes: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  try {
    // exceljs's typings want its own Buffer type; a Node Buffer is what it reads
    await wb.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  } catch (err) {
    throw unreadable(`damaged XLSX: ${(err as Error).message.slice(0, 80)}`);
  }
  const ws = wb.worksheets[0];
  if (!ws) throw unreadable('the workbook has no sheet');
  const out: string[][] = [];
  ws.eachRow({ includeEmpty: true }, (r, n) => {
    const cells: string[] = [];
    for (let c = 1; c <= r.cellCount; c++) cells.push(clean(r.getCell(c).text ?? ''));
    out[n - 1] = cells;
  });
  for (let i = 0; i < out.length; i++) out[i] ??= [];
  return out;
}

function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

function readCsvText(bytes: Buffer): Promise<string[][]> {
  if (bytes.includes(0)) return Promise.reject(unreadable('binary data, not text'));
  const text = decodeText(bytes);
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString<string[], string[]>(text, { headers: false, ignoreEmpty: false, trim: false })
      .on('error', (err: Error) => reject(unreadable(`CSV: ${err.message.slice(0, 80)}`)))
      .on('data', (r: string[]) => rows.push(r.map(clean)))
      .on('end', () => resolve(rows));
  });
}

/** The header and the data rows; refuses an empty upload, a non-spreadsheet, a sheet without data rows. */
export async function readSheet(bytes: Buffer, maxRows: number): Promise<Sheet> {
  if (bytes.length === 0) throw new AppError('ROSTER_FILE_EMPTY', 'the upload is empty — choose the filled-in roster file', 'body');
  let grid: string[][];
  if (bytes.subarray(0, 4).equals(ZIP_MAGIC)) grid = await readXlsx(bytes);
  else if (bytes.subarray(0, 4).equals(OLE_MAGIC)) throw unreadable('an old .xls workbook; save it as .xlsx');
  else grid = await readCsvText(bytes);
  const nonEmpty = (r: string[] | undefined) => !!r && r.some((c) => c !== '');
  const headerAt = grid.findIndex(nonEmpty);
  if (headerAt < 0) throw new AppError('ROSTER_FILE_EMPTY', 'the sheet has no rows — fill in the template below its header', 'body');
  const headers = grid[headerAt].map(clean);
  const rows: SheetRow[] = [];
  for (let i = headerAt + 1; i < grid.length; i++) {
    if (!nonEmpty(grid[i])) continue;
    const cells: Record<string, string> = {};
    headers.forEach((h, c) => {
      if (h) cells[h] = grid[i][c] ?? '';
    });
    rows.push({ row: i + 1, cells });
    if (rows.length > maxRows) {
      throw new AppError('ROSTER_TOO_MANY_ROWS', `the sheet has more than ${maxRows} rows — split it into several files`, 'body', { maxRows });
    }
  }
  if (rows.length === 0) throw new AppError('ROSTER_FILE_EMPTY', 'the sheet has a header but no people below it', 'body');
  return { headers, rows };
}
