import { describe, expect, it } from 'vitest';
import { isApiError } from '@/lib/errors';
import { IDENTITY_TOKEN_MAX_LENGTH, verifyIdentityToken } from '@/lib/identity/token';
import { badIdentityTokens, IDENTITY_SECRET, signIdentity } from '../../support/identity-tokens';

async function refusal(token: string, now?: Date): Promise<{ status: number; code: string }> {
  try {
    await verifyIdentityToken(token, IDENTITY_SECRET, now);
  } catch (error) {
    if (isApiError(error)) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('the token was accepted');
}

describe('verifyIdentityToken', () => {
  it('accepts an HS256 token signed with the shared secret and returns sub, name and e-mail as signed', async () => {
    const token = await signIdentity({ sub: 'user-42', name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(await verifyIdentityToken(token, IDENTITY_SECRET)).toEqual({ sub: 'user-42', name: 'Ada Lovelace', email: 'ada@example.com' });
  });

  it('keeps the sub exactly as signed and leaves absent name and e-mail out', async () => {
    const token = await signIdentity({ sub: ' Ünïcode:42 ' });
    expect(await verifyIdentityToken(token, IDENTITY_SECRET)).toEqual({ sub: ' Ünïcode:42 ' });
  });

  it('refuses every forged, expired, wrong-algorithm and malformed token with its stable code', async () => {
    const cases = await badIdentityTokens();
    expect(cases.length).toBeGreaterThan(10);
    for (const { what, token, code } of cases) {
      expect(await refusal(token), what).toEqual({ status: 401, code });
    }
  });

  it('refuses a token past its exp beyond the 30 s clock tolerance, and accepts it just inside', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const token = await signIdentity({ sub: 'user-1', exp });
    expect((await verifyIdentityToken(token, IDENTITY_SECRET, new Date((exp + 20) * 1000))).sub).toBe('user-1');
    expect(await refusal(token, new Date((exp + 31) * 1000))).toEqual({ status: 401, code: 'identity_expired' });
  });

  it('refuses a token longer than 4 KB before verifying it', async () => {
    const token = await signIdentity({ sub: 'user-1', padding: 'x'.repeat(IDENTITY_TOKEN_MAX_LENGTH) });
    expect(token.length).toBeGreaterThan(IDENTITY_TOKEN_MAX_LENGTH);
    expect(await refusal(token)).toEqual({ status: 401, code: 'invalid_identity' });
    // The same claims a little smaller verify, so it is the size that was refused.
    const small = await signIdentity({ sub: 'user-1', padding: 'x'.repeat(1000) });
    expect((await verifyIdentityToken(small, IDENTITY_SECRET)).sub).toBe('user-1');
  });

  it('refuses a token that is not yet valid (nbf in the future)', async () => {
    const token = await signIdentity({ sub: 'user-1', nbf: Math.floor(Date.now() / 1000) + 3600 });
    expect(await refusal(token)).toEqual({ status: 401, code: 'invalid_identity' });
  });
});
