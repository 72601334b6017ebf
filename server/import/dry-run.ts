// A dry run is the real import, inside its transaction, up to the commit — then rolled back by throwing this
// sentinel with what would have been written. The preview of the admin import page is therefore the same
// code path as applying (and as `npm run import`), not a second implementation that could disagree.
import { isAppError } from '../../common/errors';
import type { RefusedFeature } from './types';

export class DryRunRollback<T> extends Error {
  constructor(readonly result: T) {
    super('dry run: rolled back');
    this.name = 'DryRunRollback';
  }
}

/** Runs `body`; with `dryRun`, throws its result as a DryRunRollback so the caller's transaction rolls back. */
export async function commitUnlessDryRun<T>(dryRun: boolean | undefined, body: () => Promise<T>): Promise<T> {
  const result = await body();
  if (dryRun) throw new DryRunRollback(result);
  return result;
}

/** The result of a transaction that may have been a dry run. */
export async function runOrRollBack<T>(run: () => Promise<T>): Promise<{ result: T; dryRun: boolean }> {
  try {
    return { result: await run(), dryRun: false };
  } catch (err) {
    if (err instanceof DryRunRollback) return { result: err.result as T, dryRun: true };
    throw err;
  }
}

/** A refusal from a coded per-feature error (attribute or shape check). */
export function refusalOf(err: unknown, index: number, id: string | number | undefined, props: Record<string, unknown>, geometry: RefusedFeature['geometry']): RefusedFeature {
  if (!isAppError(err)) throw err;
  const details = (err.details ?? {}) as { reason?: unknown };
  const code = props.code ?? props.adcode;
  return {
    index,
    ...(id !== undefined ? { id } : {}),
    ...(code !== undefined && code !== null ? { code: String(code) } : {}),
    ...(typeof props.name === 'string' ? { name: props.name } : {}),
    reason: typeof details.reason === 'string' ? details.reason : err.message,
    ...(err.field ? { field: err.field } : {}),
    geometry,
  };
}
