import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Session ids are issued only by the server: `s1.<128 random bits>.<HMAC-SHA256 tag>`, all base64url.
 * The tag lets any instance tell an id we issued (whose memory may have expired) from a forged one
 * without a lookup. The version prefix lets a later format coexist.
 */

const VERSION = 's1';
const RANDOM_BYTES = 16;
const ID_PATTERN = /^s1\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** Longest id we ever issue; anything longer is rejected before any crypto work. */
export const SESSION_ID_MAX_LENGTH = VERSION.length + 1 + 22 + 1 + 43;

function tag(secret: string, nonce: string): Buffer {
  return createHmac('sha256', secret).update(`tether-session:${VERSION}:${nonce}`).digest();
}

export function issueSessionId(secret: string): string {
  const nonce = randomBytes(RANDOM_BYTES).toString('base64url');
  return `${VERSION}.${nonce}.${tag(secret, nonce).toString('base64url')}`;
}

/** True only for an id this server (or one sharing its secret) issued. Constant-time on the tag. */
export function verifySessionId(secret: string, candidate: unknown): candidate is string {
  if (typeof candidate !== 'string' || candidate.length !== SESSION_ID_MAX_LENGTH) return false;
  const match = ID_PATTERN.exec(candidate);
  if (!match) return false;
  const [, nonce, givenTag] = match as unknown as [string, string, string];
  // Compare the canonical text, not decoded bytes: base64url has spare bits, so several strings
  // decode to the same tag and would otherwise let a client mint look-alike ids.
  const expected = Buffer.from(tag(secret, nonce).toString('base64url'));
  const given = Buffer.from(givenTag);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
