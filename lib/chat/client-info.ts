import { createHash } from 'node:crypto';
import type { TurnRecord } from '@/lib/audit/types';

/** What the audit may keep about the caller: the user agent, a salted IP hash and the page it chatted from. */
export function clientInfo(request: Request, ipSalt: string): TurnRecord['client'] {
  const headers = request.headers;
  const ip = headers.get('x-forwarded-for')?.split(',')[0]?.trim() || headers.get('x-real-ip')?.trim() || null;
  return {
    userAgent: headers.get('user-agent')?.slice(0, 300) ?? null,
    ipHash: ip ? createHash('sha256').update(`${ipSalt}:${ip}`).digest('hex').slice(0, 32) : null,
    origin: pageOf(headers.get('referer')) ?? pageOf(headers.get('origin')),
  };
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
