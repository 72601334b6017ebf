// Web Worker: solves the report page's proof of work (common/pow.ts) with WebCrypto's SHA-256, off the main
// thread so the page stays responsive. Digests are requested in batches: each crypto.subtle.digest call is
// a promise, and awaiting them one at a time would spend most of the time on the round trip.
import { leadingZeroBits, powInput } from '../../../../common/pow';

export interface PowRequest {
  challenge: string;
  difficulty: number;
}
export type PowReply = { type: 'solved'; nonce: string; tries: number; ms: number } | { type: 'progress'; tries: number } | { type: 'error'; message: string };

const BATCH = 256;

async function solve(req: PowRequest): Promise<PowReply> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return { type: 'error', message: 'no-webcrypto' };
  const t0 = performance.now();
  let lastProgress = t0;
  for (let base = 0; base < Number.MAX_SAFE_INTEGER; base += BATCH) {
    const digests = await Promise.all(
      Array.from({ length: BATCH }, (_, i) => subtle.digest('SHA-256', powInput(req.challenge, String(base + i)) as BufferSource)),
    );
    for (let i = 0; i < BATCH; i++) {
      if (leadingZeroBits(new Uint8Array(digests[i])) >= req.difficulty) {
        return { type: 'solved', nonce: String(base + i), tries: base + i + 1, ms: Math.round(performance.now() - t0) };
      }
    }
    if (performance.now() - lastProgress > 250) {
      lastProgress = performance.now();
      (self as unknown as Worker).postMessage({ type: 'progress', tries: base + BATCH } satisfies PowReply);
    }
  }
  return { type: 'error', message: 'no-solution' };
}

self.onmessage = (e: MessageEvent<PowRequest>) => {
  solve(e.data).then(
    (reply) => (self as unknown as Worker).postMessage(reply),
    (err: unknown) => (self as unknown as Worker).postMessage({ type: 'error', message: String(err) } satisfies PowReply),
  );
};
