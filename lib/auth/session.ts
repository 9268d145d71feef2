import 'server-only';
import { getToken } from 'next-auth/jwt';
import { findActiveAgent, type AgentIdentity } from '@/lib/auth/agents';
import type { Runtime } from '@/lib/runtime';

/**
 * Reading the Auth.js session cookie without Next's request context, so route handlers, pages and
 * tests share one path: cookie → encrypted JWT → agent id → the agents table.
 */

/** An agent signs in again after a working day; the cookie is not extended silently. */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

async function sessionAgentId(headers: Headers, secret: string): Promise<string | null> {
  // Only the cookie counts: getToken would also take a Bearer header, which nothing here issues.
  const cookieOnly = { headers: new Headers({ cookie: headers.get('cookie') ?? '' }) };
  // Auth.js names the cookie `__Secure-authjs.session-token` on https and `authjs.session-token` on
  // plain http (development); each name is also the token's encryption salt, so neither can pass
  // for the other.
  for (const secureCookie of [true, false]) {
    const token = await getToken({ req: cookieOnly, secret, secureCookie });
    if (typeof token?.sub === 'string') return token.sub;
  }
  return null;
}

/** The signed-in, enabled agent behind these request headers, or null. */
export async function agentFromHeaders(headers: Headers, runtime: Runtime): Promise<AgentIdentity | null> {
  const secret = runtime.config.authSecret;
  if (!secret) return null;
  const agentId = await sessionAgentId(headers, secret);
  if (!agentId) return null;
  return findActiveAgent((await runtime.database()).db, agentId);
}
