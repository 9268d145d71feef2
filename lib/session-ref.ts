import { createHash } from 'node:crypto';

/**
 * The non-secret name of a conversation, for everything staff see (admin pages, exports, logs).
 * A session id is the customer's bearer key: whoever holds it can read and continue the
 * conversation. Its reference is a one-way digest, so showing it reveals nothing usable on the
 * public API. 80 bits of SHA-256 keep references unique across any realistic number of sessions.
 */
export const SESSION_REF_PATTERN = /^c_[a-z2-7]{16}$/;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function sessionRef(sessionId: string): string {
  const digest = createHash('sha256').update(`tether-session-ref:${sessionId}`).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 16) break;
  }
  return `c_${out}`;
}
