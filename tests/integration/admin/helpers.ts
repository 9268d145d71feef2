import { randomBytes } from 'node:crypto';
import { createAgent, toIdentity } from '@/lib/auth/agents';
import type { AgentIdentity } from '@/lib/auth/identity';
import { encode } from 'next-auth/jwt';
import { randomUUID } from 'node:crypto';
import { startAdminSession } from '@/lib/auth/admin-sessions';
import { SESSION_MAX_AGE_SECONDS } from '@/lib/auth/session';
import type { AgentRole } from '@/lib/db/schema';
import type { Database } from '@/lib/db/client';
import type { Runtime } from '@/lib/runtime';
import { sessionRef } from '@/lib/session-ref';
import { createTestStack, type TestStack } from '../../support/stack';

/** Shared set-up of the admin suites: a stack with an AUTH_SECRET, agents, cookies and requests. */

export const TEST_PASSWORD = 'correct horse battery staple';

/**
 * A test stack whose runtime the route modules also use: `getRuntime()` keeps the process's runtime
 * on globalThis, so installing the stack's there makes imported route handlers run against it.
 */
export async function createAdminStack(env: Record<string, string> = {}): Promise<TestStack> {
  const stack = await createTestStack({ AUTH_SECRET: randomBytes(32).toString('hex'), ...env });
  (globalThis as typeof globalThis & { __tetherRuntime?: Runtime }).__tetherRuntime = stack.runtime;
  return stack;
}

export async function database(stack: TestStack): Promise<Database> {
  return (await stack.runtime.database()).db;
}

export async function makeAgent(stack: TestStack, role: AgentRole, email?: string): Promise<AgentIdentity> {
  const row = await createAgent(await database(stack), {
    email: email ?? `${role}-${randomBytes(4).toString('hex')}@example.com`,
    name: `Test ${role}`,
    role,
    password: TEST_PASSWORD,
  });
  if (!row) throw new Error('agent e-mail already taken');
  return toIdentity(row);
}

/**
 * A session cookie exactly as Auth.js sets it at sign-in (the JWE is salted with the cookie's name),
 * naming a server-side session (a random id names none, so such a cookie is refused).
 */
export async function mintSessionCookie(agentId: string, secret: string, secure = false, sessionId: string = randomUUID()): Promise<string> {
  const name = secure ? '__Secure-authjs.session-token' : 'authjs.session-token';
  const value = await encode({ token: { sub: agentId, sid: sessionId }, secret, salt: name, maxAge: SESSION_MAX_AGE_SECONDS });
  return `${name}=${value}`;
}

/** A cookie for a fresh, live server-side session of this agent (as signing in creates). */
export async function cookieFor(stack: TestStack, agent: Pick<AgentIdentity, 'id'>, secure = false): Promise<string> {
  const secret = stack.runtime.config.authSecret;
  if (!secret) throw new Error('the admin stack has no AUTH_SECRET');
  const isUuid = /^[0-9a-f-]{36}$/i.test(agent.id);
  const sessionId = isUuid ? await startAdminSession(await database(stack), agent.id) : randomUUID();
  return mintSessionCookie(agent.id, secret, secure, sessionId);
}

export interface AdminRequestInit {
  method?: string;
  cookie?: string;
  body?: unknown;
  /** Default same-origin, as the browser labels the console's own fetches. */
  fetchSite?: 'same-origin' | 'cross-site' | null;
  origin?: string;
}

export function adminRequest(path: string, init: AdminRequestInit = {}): Request {
  const headers = new Headers({ host: 'localhost', 'x-forwarded-for': '198.51.100.9' });
  if (init.cookie) headers.set('cookie', init.cookie);
  const site = init.fetchSite === undefined ? 'same-origin' : init.fetchSite;
  if (site) headers.set('sec-fetch-site', site);
  if (init.origin) headers.set('origin', init.origin);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return new Request(`http://localhost${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** Route handlers' second argument, as Next passes it. */
export function routeContext<P>(params: P): { params: Promise<P> } {
  return { params: Promise.resolve(params) };
}

/** Inserts bare sessions (no turns) with chosen activity times, for paging tests that need volume. */
export async function insertSessions(
  stack: TestStack,
  rows: Array<{ id: string; lastActivityAt: string; errorCount?: number; memoryFallbacks?: number }>,
): Promise<void> {
  for (const row of rows) {
    await stack.query(
      `insert into sessions (id, ref, created_at, last_activity_at, turn_count, first_memory_status, last_memory_status,
         memory_fallbacks, error_count, last_user_text)
       values ($1, $5, $2::timestamptz - interval '5 minutes', $2::timestamptz, 0, 'new', 'ok', $3, $4, 'preview ' || $1)`,
      [row.id, row.lastActivityAt, row.memoryFallbacks ?? 0, row.errorCount ?? 0, sessionRef(row.id)],
    );
  }
}
