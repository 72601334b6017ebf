// CSV with a header row: a longitude and a latitude column (lon/lng/long/longitude/x and lat/latitude/y,
// any case) plus attribute columns. Each row becomes a Point feature.
import { parseString } from '@fast-csv/parse';
import { AppError } from '../../common/errors';
import { readNonEmpty, textOf } from './read-file';
import type { RawFeature } from './types';

const LON = ['lon', 'lng', 'long', 'longitude', 'x'];
const LAT = ['lat', 'latitude', 'y'];

function parseRows(text: string): Promise<{ headers: string[]; rows: Record<string, string>[] }> {
  return new Promise((resolve, reject) => {
    const rows: Record<string, string>[] = [];
    let headers: string[] = [];
    parseString<Record<string, string>, Record<string, string>>(text, { headers: true, trim: true, ignoreEmpty: true })
      .on('headers', (h: string[]) => { headers = h; })
      .on('error', reject)
      .on('data', (row: Record<string, string>) => rows.push(row))
      .on('end', () => resolve({ headers, rows }));
  });
}

/** Reads the rows; `required` are attribute columns the target layer needs (named in the error when missing). */
export async function readCsv(file: string, required: readonly string[]): Promise<RawFeature[]> {
  const text = textOf(await readNonEmpty(file));
  let parsed: { headers: string[]; rows: Record<string, string>[] };
  try {
    parsed = await parseRows(text);
  } catch (err) {
    throw new AppError('IMPORT_FAILED', `CSV cannot be parsed: ${(err as Error).message}`, 'file');
  }
  const { headers, rows } = parsed;
  const find = (names: string[]) => headers.find((h) => names.includes(h.trim().toLowerCase()));
  const lonCol = find(LON);
  const latCol = find(LAT);
  const missing = [
    ...(lonCol ? [] : ['lon (or lng/longitude/x)']),
    ...(latCol ? [] : ['lat (or latitude/y)']),
    ...required.filter((c) => !headers.includes(c)),
  ];
  if (missing.length > 0) {
    throw new AppError('VALIDATION_ERROR', `CSV is missing column(s): ${missing.join(', ')}; found: ${headers.join(', ') || '(no header)'}`, 'columns', { missing, found: headers });
  }
  if (rows.length === 0) throw new AppError('IMPORT_FAILED', 'CSV has a header but no rows', 'file');
  return rows.map((row, index) => {
    const num = (col: string) => {
      const v = row[col];
      const n = v === undefined || v === '' ? NaN : Number(v);
      if (!Number.isFinite(n)) {
        throw new AppError('VALIDATION_ERROR', `row ${index + 2} (feature #${index}): ${col} ${JSON.stringify(v ?? '')} is not a number`, `rows[${index}].${col}`, { index });
      }
      return n;
    };
    const lon = num(lonCol as string);
    const lat = num(latCol as string);
    const properties: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (k !== lonCol && k !== latCol) properties[k] = v;
    return { index, geometry: { type: 'Point', coordinates: [lon, lat] }, properties };
  });
}
