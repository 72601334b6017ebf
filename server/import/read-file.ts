// Opening an import file: missing and empty (0-byte) files fail here with IMPORT_FAILED, before any parser.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../common/errors';

export async function readNonEmpty(file: string): Promise<Buffer> {
  await checkNonEmpty(file);
  return readFile(file);
}

/**
 * The same checks as readNonEmpty (exists, is a file, not 0 bytes) without reading it: for the readers that
 * stream a file (the PBF reader), which must not hold the whole of it even for a moment. Returns its size.
 */
export async function checkNonEmpty(file: string): Promise<number> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new AppError('IMPORT_FAILED', `${file} is not a file`, 'file');
    size = s.size;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('IMPORT_FAILED', `cannot open ${file}: ${(err as Error).message}`, 'file');
  }
  if (size === 0) throw new AppError('IMPORT_FAILED', `${path.basename(file)} is empty (0 bytes): nothing to import`, 'file');
  return size;
}

/** Text of a file without a UTF-8 byte-order mark (Excel writes one into CSV files). */
export function textOf(buf: Buffer): string {
  const s = buf.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}
