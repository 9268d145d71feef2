import { createHash } from 'node:crypto';
import type { TrustProxy } from '@/lib/config';
import { addressBucket, canonicalAddress } from '@/lib/security/address';
import { PEER_HEADER, peerHeaderIsTrusted } from '@/lib/security/node-server';

/**
 * Who the client is. Forwarded headers are anyone's to write, so they count only when TRUST_PROXY
 * says a proxy we run wrote them:
 * - `off` (default): the socket's peer address (PEER_HEADER, written by this process's own Node
 *   server, lib/security/node-server.ts);
 * - a hop count N: the Nth address from the right of X-Forwarded-For (each trusted proxy appends
 *   the address it saw, so the rightmost N entries are ours and everything left of them the
 *   client's own claim);
 * - `vercel` (default on Vercel): Vercel's edge overwrites x-vercel-forwarded-for and x-real-ip
 *   with the address it saw.
 */

export interface ClientAddressOptions {
  trustProxy: TrustProxy;
  /** Whether PEER_HEADER comes from this process (false in unit tests that pass the header by hand). */
  peerTrusted?: boolean;
}

/** The canonical address (lib/security/address.ts), or null when the header holds none. */
function valid(candidate: string | undefined | null): string | null {
  return canonicalAddress(candidate);
}

/** The client's IP address, or null when it cannot be known. Pure over the headers given. */
export function clientAddress(headers: Headers, options: ClientAddressOptions): string | null {
  const { trustProxy } = options;
  if (trustProxy.kind === 'vercel') {
    return valid(headers.get('x-vercel-forwarded-for')?.split(',')[0]) ?? valid(headers.get('x-real-ip'));
  }
  const peerTrusted = options.peerTrusted ?? peerHeaderIsTrusted();
  const peer = peerTrusted ? valid(headers.get(PEER_HEADER)) : null;
  if (trustProxy.kind === 'off') return peer;
  const chain = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  // Fewer entries than trusted hops: the request did not come through all our proxies.
  if (chain.length < trustProxy.hops) return peer;
  return valid(chain[chain.length - trustProxy.hops]) ?? peer;
}

/** Salted so the audit and the rate limiter never keep a raw address. */
export function hashAddress(ip: string, salt: string): string {
  return createHash('sha256').update(`${salt}:${ip}`).digest('hex').slice(0, 32);
}

export interface ClientInfoOptions {
  ipSalt: string;
  trustProxy: TrustProxy;
  /** Per-address limits count an IPv6 client by this network prefix (RATE_LIMIT_IPV6_PREFIX, default 64). */
  ipv6Prefix?: number;
}

export const DEFAULT_IPV6_PREFIX = 64;

/** What the audit may keep about the caller (a turn record's `client`). */
export interface ClientInfo {
  userAgent: string | null;
  ipHash: string | null;
  origin: string | null;
}

/** What the audit may keep about the caller: the user agent, a salted IP hash and the page it chatted from. */
export function clientInfo(request: Request, options: ClientInfoOptions): ClientInfo {
  const headers = request.headers;
  const ip = clientAddress(headers, { trustProxy: options.trustProxy });
  return {
    userAgent: headers.get('user-agent')?.slice(0, 300) ?? null,
    ipHash: ip ? hashAddress(ip, options.ipSalt) : null,
    origin: pageOf(headers.get('referer')) ?? pageOf(headers.get('origin')),
  };
}

/**
 * The key per-IP limits count under: the salted hash of the address's bucket (an IPv4 address, an
 * IPv6 /64 by default), or one shared bucket when the address is unknown.
 */
export function clientKey(request: Request, options: ClientInfoOptions): string {
  return clientKeyOf(request.headers, options);
}

export function clientKeyOf(headers: Headers, options: ClientInfoOptions): string {
  const ip = clientAddress(headers, { trustProxy: options.trustProxy });
  return ip ? hashAddress(addressBucket(ip, options.ipv6Prefix ?? DEFAULT_IPV6_PREFIX), options.ipSalt) : 'unknown';
}

/** Origin and path only: query strings and fragments may carry personal data. */
function pageOf(value: string | null): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`.slice(0, 300);
  } catch {
    return null;
  }
}

/** The options above, from the process's config. */
export function clientOptionsOf(config: {
  audit: { ipSalt: string };
  security: { trustProxy: TrustProxy };
  limits?: { ipv6Prefix: number };
}): ClientInfoOptions {
  return {
    ipSalt: config.audit.ipSalt,
    trustProxy: config.security.trustProxy,
    ipv6Prefix: config.limits?.ipv6Prefix ?? DEFAULT_IPV6_PREFIX,
  };
}
