// Turns any thrown error into the stable JSON error body. Unknown errors are logged and answered as
// INTERNAL without leaking internals; database outages become 503 DB_UNAVAILABLE.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isAppError } from '../../common/errors';
import { isUnavailableError, sqlState } from '../db/db';
import type { Logger } from '../logger';

/** Maps database errors raised by our own triggers and constraints to domain codes. */
export function fromDbError(err: unknown): AppError | undefined {
  if (isUnavailableError(err)) {
    return new AppError('DB_UNAVAILABLE', 'the database is unavailable; nothing was stored — retry with the same Idempotency-Key');
  }
  const hint = (err as { hint?: unknown }).hint;
  const message = String((err as { message?: unknown }).message ?? '');
  if (hint === 'INVALID_TRANSITION') return new AppError('INVALID_TRANSITION', message);
  if (hint === 'STALE_VERSION') return new AppError('STALE_VERSION', message);
  const state = sqlState(err);
  if (state === '40001' || state === '40P01') return new AppError('DB_UNAVAILABLE', 'the database asked us to retry; retry with the same Idempotency-Key');
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let appErr: AppError | undefined = isAppError(err) ? err : fromDbError(err);
    if (!appErr) {
      const type = (err as { type?: unknown }).type;
      const status = (err as { status?: unknown }).status;
      if (type === 'entity.too.large' || status === 413) {
        appErr = new AppError('PAYLOAD_TOO_LARGE', 'the request body is larger than the limit', 'body');
      } else if (type === 'entity.parse.failed') {
        appErr = new AppError('INVALID_JSON', 'the request body is not valid JSON', 'body');
      } else if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
        appErr = new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding', 'body');
      }
    }
    if (!appErr) {
      logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
      appErr = new AppError('INTERNAL', 'internal error; it has been logged');
    } else if (appErr.status >= 500) {
      logger.warn({ code: appErr.code, url: req.originalUrl }, appErr.message);
    }
    if (res.headersSent) return;
    res.status(appErr.status).json(appErr.toBody());
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `no route ${req.method} ${req.originalUrl.split('?')[0]}`));
};
