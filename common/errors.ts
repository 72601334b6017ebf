// Stable machine-readable error codes shared by server and client (QUALITY.md "Bad input"). The HTTP body
// of every error is `ApiErrorBody`; socket acks carry the same object under `error`.

export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  INVALID_GEOMETRY: 400,
  UNAUTHENTICATED: 401,
  SESSION_EXPIRED: 401,
  /** A personal access token (Authorization: Bearer) past its expiry, or revoked by its owner or an admin. */
  TOKEN_EXPIRED: 401,
  TOKEN_REVOKED: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  NOT_FOUND: 404,
  ASSIGNMENT_CONFLICT: 409,
  STALE_VERSION: 409,
  IDEMPOTENCY_MISMATCH: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  OUT_OF_JURISDICTION: 422,
  INVALID_TRANSITION: 422,
  WORKER_UNAVAILABLE: 422,
  IMPORT_FAILED: 422,
  RATE_LIMITED: 429,
  /** The proof-of-work of a public report is missing, wrong, expired or already used (details.reason). */
  POW_FAILED: 403,
  /** A photo upload (server/photos): empty, over the size limit, not JPEG/PNG/WebP, or damaged/two files in one. */
  PHOTO_EMPTY: 400,
  PHOTO_TOO_LARGE: 413,
  PHOTO_TYPE_UNSUPPORTED: 415,
  PHOTO_CORRUPT: 422,
  /** The incident already has the most photos of this kind it may keep. */
  PHOTO_LIMIT: 409,
  /** Accounts (/api/admin): the username belongs to another account already. */
  USERNAME_TAKEN: 409,
  /** Accounts: the change would leave the street without an enabled administrator. */
  LAST_ADMIN: 409,
  /** Accounts: an administrator may not disable, demote or reset their own account (another admin must). */
  OWN_ACCOUNT: 409,
  /** Changing one's own password (POST /api/auth/password): the current password given is not the account's. */
  WRONG_PASSWORD: 403,
  /** The account's password was set by an administrator: change it (POST /api/auth/password) before anything else. */
  PASSWORD_CHANGE_REQUIRED: 403,
  /** Import uploads (server/import/upload-routes): over the size limit, not an accepted format by name and content. */
  IMPORT_TOO_LARGE: 413,
  IMPORT_TYPE_UNSUPPORTED: 415,
  /** The staged upload was cancelled, has expired or was never there. */
  IMPORT_STAGE_GONE: 410,
  /** The staged upload is not in a state for this step (still parsing, already applied, preview failed). */
  IMPORT_STAGE_STATE: 409,
  /** The process previewing or applying a staged upload stopped (restart, crash) before it finished: preview again. */
  IMPORT_INTERRUPTED: 503,
  /** Roster import (/api/admin/rosters): the upload is empty, over the size limit, not an XLSX/CSV sheet, or
   * lacks a required column (details.missing); apply refused because rows of the sheet are refused. */
  ROSTER_FILE_EMPTY: 400,
  ROSTER_FILE_TOO_LARGE: 413,
  ROSTER_FILE_UNREADABLE: 415,
  ROSTER_COLUMNS_MISSING: 422,
  ROSTER_TOO_MANY_ROWS: 413,
  ROSTER_HAS_REFUSALS: 422,
  INTERNAL: 500,
  DB_UNAVAILABLE: 503,
  NOT_READY: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ApiErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** The offending field, as a dotted path (`location.lat`, `query.sort`), when one field is to blame. */
    field?: string;
    /** Extra machine-readable detail, e.g. the current incident on ASSIGNMENT_CONFLICT. */
    details?: unknown;
  };
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }

  toBody(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field ? { field: this.field } : {}),
        ...(this.details !== undefined ? { details: this.details } : {}),
      },
    };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
