// Same-origin JSON over fetch with the session cookie; writes carry the CSRF token (X-CSRF-Token).
// Errors keep the server's stable code so pages can react (401 → sign-in form).
import type { ApiErrorBody, ErrorCode } from '../../../common/errors';
import { takePrefetched } from '../boot/prefetch';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    /** The field the server blamed (`body.newPassword`), so a form can say which input to fix. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}
/** For senders that build their own requests (the phone's offline outbox, raw photo uploads). */
export function getCsrfToken(): string | null {
  return csrfToken;
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  // a GET the boot already sent (boot/prefetch.ts): its answer if it succeeded, else ask as usual
  const prefetched = method === 'GET' ? await takePrefetched(path) : null;
  if (prefetched && signal?.aborted) throw new DOMException('The request was aborted', 'AbortError');
  try {
    res = prefetched ?? await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(method !== 'GET' && csrfToken ? { 'X-CSRF-Token': csrfToken } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', (err as Error).message);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const e = (data as ApiErrorBody | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? 'INTERNAL', e?.message ?? `HTTP ${res.status}`, e?.field);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal),
  post: <T>(path: string, body: unknown) => request<T>('POST', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};
