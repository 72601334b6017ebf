// SIMULATION: a minimal signed-in HTTP client for the real API (cookie session + CSRF token), used by the
// simulator for the dispatcher, the second (verifying) account and the simulated grid workers' phones.
export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export class ApiClient {
  private cookie = '';
  private csrf = '';
  constructor(private readonly base: string) {}

  async login(username: string, password: string): Promise<void> {
    const res = await fetch(`${this.base}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login as "${username}" failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { csrfToken: string };
    const set = res.headers.getSetCookie().find((c) => c.startsWith('gcc_session') || c.startsWith('__Host-gcc_session'));
    if (!set) throw new Error('login answered without a session cookie');
    this.cookie = set.split(';')[0];
    this.csrf = body.csrfToken;
  }

  async call<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...extra },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // non-JSON answer (e.g. a proxy error page): keep the text
    }
    return { status: res.status, body: parsed as T };
  }

  /** A raw binary body (a photo), as the phone sends it to POST /api/incidents/:id/photos. */
  async upload<T>(path: string, bytes: Buffer, contentType: string, extra: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, 'content-type': contentType, ...extra },
      body: new Uint8Array(bytes),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // non-JSON answer: keep the text
    }
    return { status: res.status, body: parsed as T };
  }
}

/** The stable error code of an error answer ({ error: { code } }), if any. */
export function errorCode(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const e = (body as { error: unknown }).error;
    if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') return (e as { code: string }).code;
  }
  return undefined;
}
