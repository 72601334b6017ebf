// Helpers for the /api/admin tests: JSON calls as a signed-in session, and a socket that records how it ended.
import { io as ioClient, type Socket } from 'socket.io-client';
import { socketAuth, type Session } from '../helpers/auth';

export interface Answer<T = unknown> {
  status: number;
  body: T;
  code?: string;
  field?: string;
  message?: string;
  headers: Headers;
}

export async function call<T = unknown>(baseUrl: string, s: Session | null, method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const headers: Record<string, string> = s ? { cookie: s.cookie, 'x-csrf-token': s.csrf } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON (exports) */
  }
  const err = (parsed as { error?: { code?: string; field?: string; message?: string } } | undefined)?.error;
  return { status: res.status, body: parsed as T, code: err?.code, field: err?.field, message: err?.message, headers: res.headers };
}

export interface WatchedSocket {
  socket: Socket;
  /** Resolves with the reason once the server disconnects the socket, and the session_expired payload. */
  ended: Promise<{ reason: string; notice: unknown }>;
  close(): void;
}

/** Connects a socket with the session's cookie and waits until it is connected. */
export async function connectSocket(baseUrl: string, s: Session): Promise<WatchedSocket> {
  const socket = ioClient(baseUrl, { ...socketAuth(s), reconnection: false, forceNew: true });
  let notice: unknown = null;
  socket.on('session_expired', (n: unknown) => (notice = n));
  const ended = new Promise<{ reason: string; notice: unknown }>((resolve) => socket.on('disconnect', (reason) => resolve({ reason, notice })));
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => resolve());
    socket.on('connect_error', reject);
  });
  return { socket, ended, close: () => socket.close() };
}

/** The promise's value, or 'timeout' after ms. */
export function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
}
