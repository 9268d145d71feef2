import { isIP } from 'node:net';

/**
 * Client addresses in one canonical form, so the same client always hashes to the same key:
 * - IPv4: dotted decimal without leading zeros (`001.002.003.004` → `1.2.3.4`; a proxy we trust
 *   wrote it, and no proxy means octal);
 * - IPv6: RFC 5952 (lower case, zeros compressed, no leading zeros), zone id (`%eth0`) dropped;
 * - IPv4-mapped IPv6 (`::ffff:1.2.3.4`, `::ffff:102:304`) → the IPv4 address;
 * - `[v6]:port`, `[v6]`, `v4:port` (forwarded-header forms) → the bare address.
 * And the bucket per-address limits count under: an IPv4 address, or an IPv6 address's network
 * (/64 by default: one ordinary allocation, which a single customer can fill with addresses).
 *
 * Hand-written over node:net's isIP rather than a library: ipaddr.js / ip-address would do it, but
 * they are not dependencies here, and the whole job is 8 groups of 16 bits (each form has a test).
 */

const IPV4_WITH_ZEROS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function canonicalV4(value: string): string | null {
  const match = IPV4_WITH_ZEROS.exec(value);
  if (!match) return null;
  const octets = match.slice(1, 5).map((part) => Number.parseInt(part, 10));
  return octets.every((octet) => octet <= 255) ? octets.join('.') : null;
}

/** The 8 groups of an IPv6 address that isIP accepted (zone id already removed). */
function groupsOf(value: string): number[] | null {
  let text = value.toLowerCase();
  // An embedded dotted IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) becomes two hex groups.
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (tail?.[1]) {
    const v4 = canonicalV4(tail[1]);
    if (!v4) return null;
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...Array<number>(Math.max(0, fill)).fill(0), ...rest];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** RFC 5952: the longest run (≥ 2) of zero groups becomes `::`, the first one on a tie. */
function formatV6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function isV4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}

/** Strips what proxies wrap around an address: whitespace, `[…]`, `:port` after IPv4 or `]`. */
function unwrap(candidate: string): string {
  const value = candidate.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed?.[1]) return bracketed[1];
  if (/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(value)) return value.slice(0, value.lastIndexOf(':'));
  return value;
}

/** The canonical text of an address, or null when it is not one. */
export function canonicalAddress(candidate: string | null | undefined): string | null {
  if (!candidate) return null;
  const value = unwrap(candidate);
  if (value.length > 100) return null;
  const v4 = canonicalV4(value);
  if (v4) return v4;
  // The zone id names an interface of the sender's host: the same address on any of them.
  const withoutZone = value.includes('%') ? value.slice(0, value.indexOf('%')) : value;
  if (isIP(withoutZone) !== 6) return null;
  const groups = groupsOf(withoutZone);
  if (!groups) return null;
  if (isV4Mapped(groups)) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return formatV6(groups);
}

/**
 * The bucket per-address limits count under: an IPv4 address as is; an IPv6 address's first
 * `ipv6Prefix` bits, as `network/prefix` (`2001:db8:1:2::/64`). Input must be canonical.
 */
export function addressBucket(canonical: string, ipv6Prefix: number): string {
  if (isIP(canonical) !== 6) return canonical;
  const groups = groupsOf(canonical);
  if (!groups) return canonical;
  const prefix = Math.min(128, Math.max(0, Math.trunc(ipv6Prefix)));
  if (prefix === 128) return canonical;
  const masked = groups.map((group, index) => {
    const bitsLeft = prefix - index * 16;
    if (bitsLeft >= 16) return group;
    if (bitsLeft <= 0) return 0;
    return group & (0xffff << (16 - bitsLeft)) & 0xffff;
  });
  return `${formatV6(masked)}/${prefix}`;
}
