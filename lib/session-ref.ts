import { createHash } from 'node:crypto';

/**
 * The non-secret name of a conversation, for everything staff see (admin pages, exports, logs).
 * A session id is the customer's bearer key: whoever holds it can read and continue the
 * conversation. Its reference is a one-way digest, so showing it reveals nothing usable on the
 * public API. 80 bits of SHA-256 keep references unique across any realistic number of sessions.
 *
 * It is also the database's key of a conversation (`sessions.id`, every `session_id` column) and the
 * name of its memory keys: nothing durable holds the id itself, so a backup opens no conversation.
 * No secret key on purpose: an id carries 128 random bits, so the digest cannot be reversed or
 * guessed, and the same value can be computed by SQL (`tether_session_ref()`, drizzle/0006_*.sql)
 * to convert existing rows. Keep both in step (tests/integration/postgres/session-digest.test.ts).
 */
export const SESSION_REF_PATTERN = /^c_[a-z2-7]{16}$/;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function sessionRef(sessionId: string): string {
  // Idempotent: a reference is its own reference (an issued id, `s1.…`, never has this shape), so
  // code that holds either (the database holds only references) can pass it through here.
  if (SESSION_REF_PATTERN.test(sessionId)) return sessionId;
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

/** An issued session id anywhere inside a text (lib/session-id.ts's format). */
export const SESSION_ID_IN_TEXT = /s[12]\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/g;

/** The text with every session id in it replaced by its reference (dead letters, logs). */
export function withSessionRefs(text: string): string {
  return text.replace(SESSION_ID_IN_TEXT, (id) => sessionRef(id));
}
