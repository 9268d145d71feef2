import { jwtVerify } from 'jose';
import { ApiError } from '@/lib/errors';

/**
 * The host site's word for who its signed-in customer is: an HS256 JWT (RFC 7519) signed with
 * WIDGET_IDENTITY_SECRET, which only the host site's server and Tether know. `sub` is the site's
 * own user id (the only key identities are ever matched on), `exp` is required, `name` and `email`
 * are shown to agents as the site signed them.
 */
export interface VerifiedIdentity {
  sub: string;
  name?: string;
  email?: string;
}

/** A JWT carrying a sub, a name and an e-mail is a few hundred bytes; anything this big is not one of ours. */
export const IDENTITY_TOKEN_MAX_LENGTH = 4096;
const SUB_MAX = 255;
const NAME_MAX = 200;
const EMAIL_MAX = 320;
/** Tolerated clock skew between the host site's server and Tether. */
const CLOCK_TOLERANCE_SECONDS = 30;

function invalid(message = 'The identity token is not valid. Sign in again.'): ApiError {
  return new ApiError(401, 'invalid_identity', message);
}

function optionalClaim(value: unknown, max: number, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) throw invalid(`The identity token's "${name}" must be a string of at most ${max} characters.`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Verifies the token or throws an ApiError: 401 `identity_expired` for a token past its `exp`,
 * 401 `invalid_identity` for everything else (another algorithm, `none`, a wrong secret, a missing
 * `sub` or `exp`, too long, not a JWT). Only HS256 is accepted, whatever the header says.
 */
export async function verifyIdentityToken(token: string, secret: string, now: Date = new Date()): Promise<VerifiedIdentity> {
  if (token.length === 0 || token.length > IDENTITY_TOKEN_MAX_LENGTH) {
    throw invalid(`The identity token must be 1 to ${IDENTITY_TOKEN_MAX_LENGTH} characters long.`);
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: now,
    }));
  } catch (error) {
    // jose's errors carry a stable `code`; told apart by it, not by class.
    const code = error instanceof Object && 'code' in error ? (error as { code: unknown }).code : undefined;
    if (code === 'ERR_JWT_EXPIRED') throw new ApiError(401, 'identity_expired', 'The identity token has expired. Fetch a fresh one from the site and try again.');
    throw invalid();
  }
  const { sub } = payload;
  if (typeof sub !== 'string' || sub.trim() === '' || sub.length > SUB_MAX) {
    throw invalid(`The identity token's "sub" must be a non-empty string of at most ${SUB_MAX} characters.`);
  }
  const name = optionalClaim(payload.name, NAME_MAX, 'name');
  const email = optionalClaim(payload.email, EMAIL_MAX, 'email');
  // `sub` is kept exactly as signed: it is the host site's key, and " 42" is not "42" there.
  return { sub, ...(name ? { name } : {}), ...(email ? { email } : {}) };
}
