import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Session ids are issued only by the server: `<version>.<128-bit nonce>.<HMAC-SHA256 tag>`, all base64url.
 * The tag lets any instance tell an id we issued (whose memory may have expired) from a forged one
 * without a lookup. The version says what kind of conversation the id names:
 *
 * - `s1`: anonymous, a random nonce, kept by one browser.
 * - `s2`: a customer the host site vouched for (lib/identity). The nonce is derived from the
 *   customer's `sub` and conversation generation with the session secret, so every device that
 *   signs in gets the same id without Tether storing it anywhere; the tag covers the version, so an
 *   anonymous nonce cannot be relabelled as verified. "Identity required" mode refuses `s1` ids
 *   with no lookup at all.
 */

const ANONYMOUS = 's1';
const VERIFIED = 's2';
const RANDOM_BYTES = 16;
const ID_PATTERN = /^(s1|s2)\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** Longest id we ever issue; anything longer is rejected before any crypto work. */
export const SESSION_ID_MAX_LENGTH = ANONYMOUS.length + 1 + 22 + 1 + 43;

/**
 * A session id as every customer endpoint's body schema reads it. Only the length is bounded here
 * (twice the longest id, so a garbage megabyte is refused before any work); whether we issued it is
 * assertIssuedSessionId's (lib/chat/request.ts) question, asked after the parse.
 */
export const sessionIdSchema = z.string().max(SESSION_ID_MAX_LENGTH * 2);

export type SessionKind = 'anonymous' | 'verified';

function tag(secret: string, version: string, nonce: string): Buffer {
  return createHmac('sha256', secret).update(`tether-session:${version}:${nonce}`).digest();
}

function signed(secret: string, version: string, nonce: string): string {
  return `${version}.${nonce}.${tag(secret, version, nonce).toString('base64url')}`;
}

export function issueSessionId(secret: string): string {
  return signed(secret, ANONYMOUS, randomBytes(RANDOM_BYTES).toString('base64url'));
}

/**
 * The conversation of one verified customer: the same id for the same `sub` and generation on any
 * device, a different one after "new conversation" (the generation goes up). The generation comes
 * first in the input and is digits only, so no `sub` (whatever characters it holds) can collide
 * with another sub's input.
 */
export function verifiedSessionId(secret: string, sub: string, generation: number): string {
  if (!Number.isSafeInteger(generation) || generation < 0) throw new Error('generation must be a non-negative integer');
  const nonce = createHmac('sha256', secret)
    .update(`tether-identity:${generation}:${sub}`)
    .digest()
    .subarray(0, RANDOM_BYTES)
    .toString('base64url');
  return signed(secret, VERIFIED, nonce);
}

/** What kind of id this server (or one sharing its secret) issued, or null for anything else. Constant-time on the tag. */
export function sessionIdKind(secret: string, candidate: unknown): SessionKind | null {
  if (typeof candidate !== 'string' || candidate.length !== SESSION_ID_MAX_LENGTH) return null;
  const match = ID_PATTERN.exec(candidate);
  if (!match) return null;
  const [, version, nonce, givenTag] = match as unknown as [string, string, string, string];
  // Compare the canonical text, not decoded bytes: base64url has spare bits, so several strings
  // decode to the same tag and would otherwise let a client mint look-alike ids.
  const expected = Buffer.from(tag(secret, version, nonce).toString('base64url'));
  const given = Buffer.from(givenTag);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return version === VERIFIED ? 'verified' : 'anonymous';
}

/** True only for an id this server (or one sharing its secret) issued, of either kind. */
export function verifySessionId(secret: string, candidate: unknown): candidate is string {
  return sessionIdKind(secret, candidate) !== null;
}
