import { describe, expect, it } from 'vitest';
import { clientAddress, clientKey } from '@/lib/security/client-info';
import { parseConfig } from '@/lib/config';
import { PEER_HEADER } from '@/lib/security/node-server';

const headers = (values: Record<string, string>) => new Headers(values);
const OFF = { kind: 'off' } as const;

describe('who the client is', () => {
  it('with TRUST_PROXY off: the socket peer only, whatever X-Forwarded-For claims', () => {
    const forged = headers({ [PEER_HEADER]: '198.51.100.7', 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '5.6.7.8' });
    expect(clientAddress(forged, { trustProxy: OFF, peerTrusted: true })).toBe('198.51.100.7');
    // 300 requests with a rotating header are still one client.
    const keys = new Set(
      Array.from({ length: 300 }, (_, i) =>
        clientKey(new Request('http://x/', { headers: { [PEER_HEADER]: '198.51.100.7', 'x-forwarded-for': `10.0.${i >> 8}.${i & 255}` } }), {
          ipSalt: 's',
          trustProxy: OFF,
        }),
      ),
    );
    expect(keys.size).toBe(1);
    // A peer header this process did not write is a client's claim too.
    expect(clientAddress(forged, { trustProxy: OFF, peerTrusted: false })).toBeNull();
  });

  it('with a hop count N: the Nth address from the right of X-Forwarded-For', () => {
    const chain = headers({ [PEER_HEADER]: '10.0.0.2', 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.0.0.1' });
    expect(clientAddress(chain, { trustProxy: { kind: 'hops', hops: 1 }, peerTrusted: true })).toBe('10.0.0.1');
    expect(clientAddress(chain, { trustProxy: { kind: 'hops', hops: 2 }, peerTrusted: true })).toBe('203.0.113.9');
    // Fewer entries than hops: not through all our proxies; the peer is all we know.
    expect(clientAddress(chain, { trustProxy: { kind: 'hops', hops: 4 }, peerTrusted: true })).toBe('10.0.0.2');
    // Garbage where an address should be.
    expect(clientAddress(headers({ 'x-forwarded-for': 'evil, <script>' }), { trustProxy: { kind: 'hops', hops: 1 }, peerTrusted: false })).toBeNull();
  });

  it("on Vercel: Vercel's own headers, never the client's X-Forwarded-For", () => {
    const vercel = { trustProxy: { kind: 'vercel' } as const, peerTrusted: false };
    expect(clientAddress(headers({ 'x-vercel-forwarded-for': '203.0.113.5', 'x-forwarded-for': '1.1.1.1' }), vercel)).toBe('203.0.113.5');
    expect(clientAddress(headers({ 'x-real-ip': '2001:db8::1' }), vercel)).toBe('2001:db8::1');
  });

  it('normalises ports, brackets and IPv4-mapped IPv6', () => {
    const trusted = { trustProxy: OFF, peerTrusted: true };
    expect(clientAddress(headers({ [PEER_HEADER]: '::ffff:127.0.0.1' }), trusted)).toBe('127.0.0.1');
    expect(clientAddress(headers({ [PEER_HEADER]: '[2001:DB8::1]:443' }), trusted)).toBe('2001:db8::1');
    expect(clientAddress(headers({ [PEER_HEADER]: '192.0.2.1:5000' }), trusted)).toBe('192.0.2.1');
  });

  it('TRUST_PROXY: off by default, vercel on Vercel, a hop count, and nothing else', () => {
    const env = { TETHER_DATA_DIR: '/tmp/tether-unit-config', SESSION_SECRET: 'x'.repeat(40) };
    expect(parseConfig(env).security.trustProxy).toEqual({ kind: 'off' });
    expect(parseConfig({ ...env, TRUST_PROXY: '2' }).security.trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(parseConfig({ ...env, TRUST_PROXY: 'Vercel' }).security.trustProxy).toEqual({ kind: 'vercel' });
    expect(() => parseConfig({ ...env, TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);
    expect(parseConfig({ ...env, WIDGET_ALLOWED_ORIGINS: 'https://a.example, http://b.example:8080/' }).security.widgetAllowedOrigins).toEqual([
      'https://a.example',
      'http://b.example:8080',
    ]);
    expect(() => parseConfig({ ...env, WIDGET_ALLOWED_ORIGINS: 'https://a.example/path' })).toThrow(/WIDGET_ALLOWED_ORIGINS/);
    expect(() => parseConfig({ ...env, WIDGET_ALLOWED_ORIGINS: "'unsafe-inline'" })).toThrow(/WIDGET_ALLOWED_ORIGINS/);
  });
});
