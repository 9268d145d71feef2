import { generateKeyPair, SignJWT } from 'jose';

/** Tokens as a host site's server would sign them, and the ways they go wrong. */
export const IDENTITY_SECRET = 'host-site-identity-secret-0123456789abcdef';
const WRONG_SECRET = 'some-other-site-secret-0123456789abcdef012';

const key = (secret: string) => new TextEncoder().encode(secret);
const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface Claims {
  sub?: unknown;
  name?: unknown;
  email?: unknown;
  exp?: number | null;
  [claim: string]: unknown;
}

/** HS256 with `exp` an hour ahead unless given (null: no exp at all). */
export async function signIdentity(claims: Claims, secret = IDENTITY_SECRET, alg = 'HS256'): Promise<string> {
  const { exp, ...rest } = claims;
  const payload: Record<string, unknown> = { iat: nowSeconds(), ...rest };
  if (exp !== null) payload.exp = exp ?? nowSeconds() + 3600;
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key(secret));
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Every token a verifier must refuse, by what is wrong with it, and the code it must answer with. */
export async function badIdentityTokens(sub = 'customer-bad'): Promise<Array<{ what: string; token: string; code: string }>> {
  const { privateKey } = await generateKeyPair('RS256');
  const rs256 = await new SignJWT({ sub, exp: nowSeconds() + 3600 }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
  const good = await signIdentity({ sub });
  const [header, payload] = good.split('.') as [string, string, string];
  const tampered = base64url({ sub: 'someone-else', exp: nowSeconds() + 3600 });
  return [
    { what: 'expired', token: await signIdentity({ sub, exp: nowSeconds() - 3600 }), code: 'identity_expired' },
    { what: 'wrong secret', token: await signIdentity({ sub }, WRONG_SECRET), code: 'invalid_identity' },
    {
      what: 'alg none',
      token: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub, exp: nowSeconds() + 3600 })}.`,
      code: 'invalid_identity',
    },
    { what: 'HS512 with the right secret', token: await signIdentity({ sub }, IDENTITY_SECRET, 'HS512'), code: 'invalid_identity' },
    { what: 'RS256', token: rs256, code: 'invalid_identity' },
    { what: 'no sub', token: await signIdentity({ name: 'Nobody' }), code: 'invalid_identity' },
    { what: 'empty sub', token: await signIdentity({ sub: '' }), code: 'invalid_identity' },
    { what: 'numeric sub', token: await signIdentity({ sub: 42 }), code: 'invalid_identity' },
    { what: 'no exp', token: await signIdentity({ sub, exp: null }), code: 'invalid_identity' },
    { what: 'payload swapped under a valid signature', token: `${header}.${tampered}.${good.split('.')[2]}`, code: 'invalid_identity' },
    { what: 'header swapped', token: `${base64url({ alg: 'HS256', kid: 'x' })}.${payload}.${good.split('.')[2]}`, code: 'invalid_identity' },
    { what: 'oversize', token: await signIdentity({ sub, padding: 'x'.repeat(5000) }), code: 'invalid_identity' },
    { what: 'garbage', token: 'not-a-jwt', code: 'invalid_identity' },
    { what: 'empty', token: '', code: 'invalid_identity' },
    { what: 'non-string name', token: await signIdentity({ sub, name: { first: 'A' } }), code: 'invalid_identity' },
  ];
}
