// A code map file for --code-map: a JSON object from the codes a boundary file carries (e.g. 6-digit
// adcodes, or any source id) to the street's own codes. Validated here so a bad map fails before any import.
import { z } from 'zod';
import { AppError } from '../../common/errors';
import { readNonEmpty, textOf } from './read-file';

export const CodeMapSchema = z.record(z.string().trim().min(1), z.string().trim().regex(/^[0-9]{12}([0-9]{3})?$/, 'a mapped code is a 12-digit community or 15-digit grid code'));

export async function readCodeMap(file: string): Promise<Record<string, string>> {
  let doc: unknown;
  try {
    doc = JSON.parse(textOf(await readNonEmpty(file)));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('VALIDATION_ERROR', `code map ${file} is not valid JSON: ${(err as Error).message}`, 'codeMap');
  }
  const parsed = CodeMapSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('VALIDATION_ERROR', `code map ${file}: ${issue.path.length ? `"${issue.path.join('.')}": ` : ''}${issue.message} (expected {"<source code>": "<12- or 15-digit code>", …})`, 'codeMap');
  }
  return parsed.data;
}
