// Database errors during an import, translated into coded errors a person can act on.
import { sqlState } from '../db/db';
import { AppError, isAppError } from '../../common/errors';

/** Maps a constraint or data error from the database to a coded error a person can act on. */
export function dbImportError(err: unknown): unknown {
  if (isAppError(err)) return err;
  const state = sqlState(err);
  const e = err as { message?: string; detail?: string; constraint?: string };
  const detail = [e.message, e.detail].filter(Boolean).join(' — ');
  if (state === '23505') return new AppError('IMPORT_FAILED', `duplicate key: ${detail}. Nothing was imported; use --replace to replace the layer, or give unique codes`, undefined, { sqlstate: state });
  if (state === '23503') return new AppError('IMPORT_FAILED', `rows are referenced by or refer to missing rows: ${detail}. Nothing was imported`, undefined, { sqlstate: state });
  if (state?.startsWith('23') || state?.startsWith('22') || state === 'XX000') return new AppError('IMPORT_FAILED', `the database rejected the data: ${detail}. Nothing was imported`, undefined, { sqlstate: state });
  // Anything else (e.g. the database went away) keeps its own meaning and code.
  return err;
}
