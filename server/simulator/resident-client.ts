// SIMULATION: a resident without an account, through the public API like the /report page: fetch a
// challenge, solve the proof of work (Node's SHA-256 here; the page uses WebCrypto in a Web Worker), report,
// and read the tracking page. Also used by the tests.
import { createHash, randomBytes } from 'node:crypto';
import { leadingZeroBits, powInput } from '../../common/pow';
import type { ChallengeDto, ResidentReportCreatedDto, ResidentReportInput, TrackingDto } from '../../common/resident';
import type { ApiAnswer } from './api-client';

/** The smallest nonce whose SHA-256("<challenge>:<nonce>") has `difficulty` leading zero bits. */
export function solveChallenge(challenge: string, difficulty: number, maxTries = 2 ** 32): string {
  for (let n = 0; n < maxTries; n++) {
    const nonce = String(n);
    if (leadingZeroBits(createHash('sha256').update(powInput(challenge, nonce)).digest()) >= difficulty) return nonce;
  }
  throw new Error(`no solution within ${maxTries} tries`);
}

/** A reused keep-alive socket can be closed by the server just as it is reused (ECONNRESET before any
 * answer): try once more on a fresh socket. A report whose first try did reach the server is then refused
 * on the second (its challenge is single-use), so nothing is filed twice. */
async function fetchOnce(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw e;
    return fetch(url, init);
  }
}

export class ResidentClient {
  /** Like the page's localStorage id: one per simulated phone. */
  readonly deviceId: string;
  constructor(
    private readonly base: string,
    deviceId?: string,
    /** Extra headers on every request (tests: a chosen client address through a trusted proxy header). */
    private readonly extraHeaders: Record<string, string> = {},
  ) {
    this.deviceId = deviceId ?? randomBytes(16).toString('base64url');
  }

  async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    const res = await fetchOnce(`${this.base}${path}`, {
      method,
      headers: {
        'x-device-id': this.deviceId,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...this.extraHeaders,
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed as T };
  }

  challenge(): Promise<ApiAnswer<ChallengeDto>> {
    return this.call<ChallengeDto>('POST', '/api/public/challenges', {});
  }

  /** Fetches and solves a challenge, then reports. */
  async report(input: Omit<ResidentReportInput, 'challenge' | 'nonce'>): Promise<ApiAnswer<ResidentReportCreatedDto>> {
    const c = await this.challenge();
    if (c.status !== 201) return c as unknown as ApiAnswer<ResidentReportCreatedDto>;
    const nonce = solveChallenge(c.body.challenge, c.body.difficulty);
    return this.call<ResidentReportCreatedDto>('POST', '/api/public/reports', { ...input, challenge: c.body.challenge, nonce });
  }

  track(code: string): Promise<ApiAnswer<TrackingDto>> {
    return this.call<TrackingDto>('GET', `/api/public/reports/${encodeURIComponent(code)}`);
  }

  rate(code: string, satisfaction: number): Promise<ApiAnswer<TrackingDto>> {
    return this.call<TrackingDto>('POST', `/api/public/reports/${encodeURIComponent(code)}/rating`, { satisfaction });
  }
}
