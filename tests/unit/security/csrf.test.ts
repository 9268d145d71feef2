import { describe, expect, it } from 'vitest';
import { isSameOriginRequest } from '@/lib/auth/csrf';

const OFF = { kind: 'off' } as const;
const ONE_HOP = { kind: 'hops', hops: 1 } as const;
const req = (headers: Record<string, string>) => new Request('http://tether.example/api/admin/notes', { method: 'POST', headers });

describe('CSRF origin check honours TRUST_PROXY', () => {
  it('Sec-Fetch-Site decides when the browser sends it', () => {
    expect(isSameOriginRequest(req({ 'sec-fetch-site': 'same-origin' }), OFF)).toBe(true);
    expect(isSameOriginRequest(req({ 'sec-fetch-site': 'cross-site', origin: 'http://tether.example', host: 'tether.example' }), OFF)).toBe(false);
  });

  it('TRUST_PROXY off: a forged X-Forwarded-Host naming the attacker is ignored', () => {
    const forged = req({ host: 'tether.example', origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' });
    expect(isSameOriginRequest(forged, OFF)).toBe(false);
    // The real host still passes, whatever X-Forwarded-Host says.
    expect(isSameOriginRequest(req({ host: 'tether.example', origin: 'http://tether.example', 'x-forwarded-host': 'evil.example' }), OFF)).toBe(true);
  });

  it('behind a trusted proxy: the proxy-written host and scheme count, the client-prepended entries do not', () => {
    const viaProxy = { host: '10.0.0.5:3000', origin: 'https://tether.example', 'x-forwarded-host': 'tether.example', 'x-forwarded-proto': 'https' };
    expect(isSameOriginRequest(req(viaProxy), ONE_HOP)).toBe(true);
    // The proxy appended the real host after the client's forged one.
    expect(isSameOriginRequest(req({ ...viaProxy, origin: 'https://evil.example', 'x-forwarded-host': 'evil.example, tether.example' }), ONE_HOP)).toBe(false);
    // A page served over https cannot be the origin of an http one.
    expect(isSameOriginRequest(req({ ...viaProxy, origin: 'http://tether.example' }), ONE_HOP)).toBe(false);
  });

  it('no Origin, or "null": refused', () => {
    expect(isSameOriginRequest(req({ host: 'tether.example' }), OFF)).toBe(false);
    expect(isSameOriginRequest(req({ host: 'tether.example', origin: 'null' }), OFF)).toBe(false);
  });
});
