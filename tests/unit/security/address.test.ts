import { describe, expect, it } from 'vitest';
import { clientAddress, clientKey } from '@/lib/security/client-info';
import { addressBucket, canonicalAddress } from '@/lib/security/address';
import { PEER_HEADER } from '@/lib/security/node-server';

describe('every form of an address canonicalises to one text', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    [' 1.2.3.4 ', '1.2.3.4'],
    ['001.002.003.004', '1.2.3.4'],
    ['1.2.3.4:5678', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['::ffff:0102:0304', '1.2.3.4'],
    ['0:0:0:0:0:ffff:102:304', '1.2.3.4'],
    ['[::ffff:1.2.3.4]:443', '1.2.3.4'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::0001', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:8080', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[fe80::1%25eth0]:80', 'fe80::1'],
    // RFC 5952: the longest run of zeros is compressed, the first on a tie; a single zero group is not.
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalAddress(input)).toBe(expected);
  });

  it.each(['', 'evil', '<script>', '1.2.3', '256.1.1.1', '1.2.3.4.5', '2001:db8::1::2', '12345::1', '0x7f.0.0.1', '[1.2.3.4'])(
    'refuses %j',
    (input) => {
      expect(canonicalAddress(input)).toBeNull();
    },
  );
});

describe('per-address limits count IPv6 by network', () => {
  it('one /64 is one bucket by default; the next /64 is another', () => {
    expect(addressBucket('2001:db8:1:2::1', 64)).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8:1:2::2', 64)).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8:1:2:ffff:ffff:ffff:ffff', 64)).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8:1:3::1', 64)).toBe('2001:db8:1:3::/64');
  });

  it('other prefixes mask inside a group too; /128 is the address; IPv4 is untouched', () => {
    expect(addressBucket('2001:db8:1:2::1', 48)).toBe('2001:db8:1::/48');
    expect(addressBucket('2001:db8:1:2ff::1', 56)).toBe('2001:db8:1:200::/56');
    expect(addressBucket('2001:db8::1', 128)).toBe('2001:db8::1');
    expect(addressBucket('1.2.3.4', 64)).toBe('1.2.3.4');
  });

  const key = (headers: Record<string, string>, ipv6Prefix?: number) =>
    clientKey(new Request('http://x/', { headers }), { ipSalt: 's', trustProxy: { kind: 'hops', hops: 1 }, ipv6Prefix });

  it('through TRUST_PROXY + X-Forwarded-For: every form of one client and every address of its /64 share a key', () => {
    const forms = [
      '2001:db8:1:2::1',
      '2001:DB8:1:2::2',
      '2001:0db8:0001:0002:0000:0000:0000:0003',
      '[2001:db8:1:2::4]:51000',
      '2001:db8:1:2:abcd:ef01:2345:6789',
    ];
    const keys = new Set(forms.map((form) => key({ 'x-forwarded-for': `9.9.9.9, ${form}` })));
    expect(keys.size).toBe(1);
    expect(key({ 'x-forwarded-for': '2001:db8:1:3::1' })).not.toBe(key({ 'x-forwarded-for': '2001:db8:1:2::1' }));
    // Configured to /128: every address its own bucket again.
    expect(key({ 'x-forwarded-for': '2001:db8:1:2::1' }, 128)).not.toBe(key({ 'x-forwarded-for': '2001:db8:1:2::2' }, 128));
    // IPv4 and its mapped IPv6 form are one client.
    expect(key({ 'x-forwarded-for': '::ffff:198.51.100.7' })).toBe(key({ 'x-forwarded-for': '198.51.100.7' }));
  });

  it('the peer address is canonicalised the same way', () => {
    const peer = (value: string) => clientAddress(new Headers({ [PEER_HEADER]: value }), { trustProxy: { kind: 'off' }, peerTrusted: true });
    expect(peer('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(peer('2001:0DB8::0001')).toBe('2001:db8::1');
  });
});
