import 'server-only';
import { getToken } from 'next-auth/jwt';
import type { AgentIdentity } from '@/lib/auth/identity';
import { resolveAdminSession } from '@/lib/auth/admin-sessions';
import type { Config } from '@/lib/config';
import type { DatabaseHandle } from '@/lib/db/client';

/**
 * Reading the Auth.js session cookie without Next's request context, so route handlers, pages and
 * tests share one path: cookie → encrypted JWT → agent id → the agents table.
 */

/** An agent signs in again after a working day; the cookie is not extended silently. */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

/** What finding the signed-in agent needs: the auth secret and idle timeout, and the agents' database. */
export interface AuthDeps {
  config: Config;
  database(): Promise<DatabaseHandle>;
}

export interface SessionClaims {
  agentId: string;
  /** The admin_sessions row this cookie stands for (lib/auth/admin-sessions.ts). */
  sessionId: string;
}

export async function sessionClaims(headers: Headers, secret: string): Promise<SessionClaims | null> {
  // Only the cookie counts: getToken would also take a Bearer header, which nothing here issues.
  const cookieOnly = { headers: new Headers({ cookie: headers.get('cookie') ?? '' }) };
  // Auth.js names the cookie `__Secure-authjs.session-token` on https and `authjs.session-token` on
  // plain http (development); each name is also the token's encryption salt, so neither can pass
  // for the other.
  for (const secureCookie of [true, false]) {
    const token = await getToken({ req: cookieOnly, secret, secureCookie });
    if (typeof token?.sub === 'string' && typeof token.sid === 'string') return { agentId: token.sub, sessionId: token.sid };
  }
  return null;
}

/**
 * The signed-in, enabled agent behind these request headers, or null: the cookie must decrypt AND
 * name a live server-side session (not signed out or revoked, not idle too long, not too old).
 */
export async function agentFromHeaders(headers: Headers, deps: AuthDeps): Promise<AgentIdentity | null> {
  const secret = deps.config.authSecret;
  if (!secret) return null;
  const claims = await sessionClaims(headers, secret);
  if (!claims) return null;
  return resolveAdminSession((await deps.database()).db, claims.sessionId, claims.agentId, {
    idleSeconds: deps.config.admin.idleTimeoutSeconds,
    maxAgeSeconds: SESSION_MAX_AGE_SECONDS,
  });
}
