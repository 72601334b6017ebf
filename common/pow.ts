// The proof-of-work puzzle of the public report page (no third party: no CAPTCHA service). The server issues
// a random challenge and a difficulty d; the client looks for a nonce such that SHA-256("<challenge>:<nonce>")
// begins with at least d zero bits. Finding one costs about 2^d hashes on average; checking it costs one.
// Shared by the server (check), the browser's Web Worker (search with WebCrypto) and the simulator.

export const POW_ALGORITHM = 'sha256-leading-zero-bits' as const;

/** The bytes that are hashed for one try. */
export function powInput(challenge: string, nonce: string): Uint8Array {
  return new TextEncoder().encode(`${challenge}:${nonce}`);
}

/** Number of leading zero bits of a digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    bits += Math.clz32(byte) - 24;
    break;
  }
  return bits;
}

/** A nonce is a decimal whole number written without leading zeros, at most 16 digits. */
export const NONCE_PATTERN = /^(0|[1-9][0-9]{0,15})$/;
