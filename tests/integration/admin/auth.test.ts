import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAgent, createFirstAdmin, findAgentByEmail, updateAgent } from '@/lib/auth/agents';
import { isAllowedEmail } from '@/lib/auth/allow-list';
import { checkCredentials } from '@/lib/auth/credentials';
import { resolveProviderAgent } from '@/lib/auth/oauth';
import { hashPassword, verifyPassword } from '@/lib/auth/password';
import { endAdminSession } from '@/lib/auth/admin-sessions';
import { agentFromHeaders, sessionClaims } from '@/lib/auth/session';
import { setupIsOpen } from '@/lib/auth/setup';
import { setLogSink } from '@/lib/observability/log';
import { safeAdminRedirect } from '@/lib/auth/redirect';
import { listAccessLog } from '@/lib/auth/access-log';
import type { TestStack } from '../../support/stack';
import { adminApiRoutes } from '../../support/admin-routes';
import { adminRequest, cookieFor, createAdminStack, database, makeAgent, mintSessionCookie, routeContext, TEST_PASSWORD } from './helpers';

let stack: TestStack;

beforeAll(async () => {
  stack = await createAdminStack({ ADMIN_ALLOWED_EMAILS: 'listed@partner.test', ADMIN_ALLOWED_DOMAIN: 'support.test' });
});
afterAll(async () => {
  await stack?.close();
});

function signInRequest(ip: string): Request {
  return new Request('http://localhost/api/auth/callback/credentials', { method: 'POST', headers: { 'x-forwarded-for': ip } });
}

describe('passwords', () => {
  it('are hashed with Argon2id at the OWASP baseline cost, salted, and verified', async () => {
    const [a, b] = await Promise.all([hashPassword('a long enough secret'), hashPassword('a long enough secret')]);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'a long enough secret')).toBe(true);
    expect(await verifyPassword(a, 'a long enough secreT')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });
});

describe('credentials sign-in', () => {
  it('accepts the right password, refuses wrong, unknown and disabled, and logs each attempt on an agent', async () => {
    const agent = await makeAgent(stack, 'agent');
    const ok = await checkCredentials(stack.runtime, { email: agent.email.toUpperCase(), password: TEST_PASSWORD }, signInRequest('192.0.2.1'));
    expect(ok).toEqual({ kind: 'ok', agent });
    expect(await checkCredentials(stack.runtime, { email: agent.email, password: 'wrong password!' }, signInRequest('192.0.2.1'))).toEqual({ kind: 'invalid' });
    expect(await checkCredentials(stack.runtime, { email: 'nobody@example.com', password: TEST_PASSWORD }, signInRequest('192.0.2.1'))).toEqual({ kind: 'invalid' });
    expect(await checkCredentials(stack.runtime, { email: 42 }, signInRequest('192.0.2.1'))).toEqual({ kind: 'invalid' });

    await updateAgent(await database(stack), agent.id, { disabled: true });
    expect(await checkCredentials(stack.runtime, { email: agent.email, password: TEST_PASSWORD }, signInRequest('192.0.2.1'))).toEqual({ kind: 'invalid' });

    const log = await listAccessLog(await database(stack), { agentId: agent.id, limit: 10 });
    expect(log.entries.map((e) => [e.action, e.detail])).toEqual([
      ['sign_in_failed', { reason: 'disabled', client: expect.stringMatching(/^[0-9a-f]{32}$/) }],
      ['sign_in_failed', { reason: 'wrong_password', client: expect.any(String) }],
      ['sign_in', { provider: 'credentials', client: expect.any(String) }],
    ]);
    expect((await findAgentByEmail(await database(stack), agent.email))?.lastSignInAt).toBeInstanceOf(Date);
  });

  it("still signs the agent in with the right password after a stranger's 50 wrong attempts from another address", async () => {
    const agent = await makeAgent(stack, 'agent');
    const stranger = [];
    for (let i = 0; i < 50; i++) {
      stranger.push((await checkCredentials(stack.runtime, { email: agent.email, password: `guess ${i}` }, signInRequest('203.0.113.66'))).kind);
    }
    // The stranger is slowed down (5 failures a minute for this e-mail from that address) …
    expect(stranger.slice(0, 5)).toEqual(Array(5).fill('invalid'));
    expect(stranger.slice(5).every((kind) => kind === 'rate_limited')).toBe(true);
    // … and the agent, at their own address, is not.
    const right = await checkCredentials(stack.runtime, { email: agent.email, password: TEST_PASSWORD }, signInRequest('198.51.100.20'));
    expect(right).toEqual({ kind: 'ok', agent });
    // Wrong guesses from the agent's own address do not spend the stranger's budget either.
    const own = await checkCredentials(stack.runtime, { email: agent.email, password: 'typo' }, signInRequest('198.51.100.20'));
    expect(own).toEqual({ kind: 'invalid' });
  });

  it('makes a guesser wait longer the longer they keep going, and limits one address over many e-mails', async () => {
    let now = Date.parse('2026-01-01T10:00:00Z');
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const agent = await makeAgent(stack, 'agent');
      const attempt = async (ip = '203.0.113.77') =>
        checkCredentials(stack.runtime, { email: agent.email, password: 'wrong' }, signInRequest(ip));
      const waits: number[] = [];
      for (let round = 0; round < 8; round++) {
        let outcome = await attempt();
        while (outcome.kind === 'invalid') outcome = await attempt();
        if (outcome.kind !== 'rate_limited') throw new Error('expected a limit');
        waits.push(outcome.retryAfterSeconds);
        now += (outcome.retryAfterSeconds + 1) * 1000;
      }
      // About a minute at first; once the quarter-hour tier is spent, many minutes.
      expect(waits[0]).toBeLessThanOrEqual(61);
      expect(Math.max(...waits)).toBeGreaterThan(5 * 60);

      const kinds = [];
      for (let i = 0; i < 31; i++) {
        kinds.push((await checkCredentials(stack.runtime, { email: `probe${i}@example.com`, password: 'x' }, signInRequest('203.0.113.50'))).kind);
      }
      expect(kinds.slice(0, 30).every((k) => k === 'invalid')).toBe(true);
      expect(kinds[30]).toBe('rate_limited');
    } finally {
      clock.mockRestore();
    }
  });

  it('logs every attempt: unknown e-mails without an agent, refused attempts with their wait', async () => {
    const email = `nobody-${randomBytes(3).toString('hex')}@example.com`;
    for (let i = 0; i < 6; i++) await checkCredentials(stack.runtime, { email, password: 'x' }, signInRequest('203.0.113.88'));
    const rows = await stack.query<{ action: string; agent_id: string | null; detail: Record<string, unknown> }>(
      'select action, agent_id, detail from access_log where agent_email = $1 order by id',
      [email],
    );
    expect(rows.map((r) => r.action)).toEqual([...Array(5).fill('sign_in_failed'), 'sign_in_limited']);
    expect(rows.every((r) => r.agent_id === null)).toBe(true);
    expect(rows[0]?.detail).toMatchObject({ reason: 'unknown_email', client: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(rows[5]?.detail).toMatchObject({ retryAfterSeconds: expect.any(Number) });
  });
});

describe('OAuth/OIDC sign-in', () => {
  it('admits allow-listed addresses and the exact domain', () => {
    const admin = { allowedEmails: ['listed@partner.test'], allowedDomain: 'support.test' };
    expect(isAllowedEmail('Listed@Partner.test', admin)).toBe(true);
    expect(isAllowedEmail('anyone@support.test', admin)).toBe(true);
    expect(isAllowedEmail('anyone@evil.support.test', admin)).toBe(false);
    expect(isAllowedEmail('support.test@evil.test', admin)).toBe(false);
    expect(isAllowedEmail('other@partner.test', admin)).toBe(false);
    expect(isAllowedEmail('x@support.test', { allowedEmails: [], allowedDomain: undefined })).toBe(false);
  });

  it('creates an agent (never an admin) for an allowed address, admits existing agents, refuses the rest', async () => {
    const profile = { provider: 'github', emailVerified: undefined, name: 'Pat' };
    const created = await resolveProviderAgent(stack.runtime, { ...profile, email: 'pat@support.test' });
    expect(created).toMatchObject({ email: 'pat@support.test', role: 'agent' });
    expect(await resolveProviderAgent(stack.runtime, { ...profile, email: 'PAT@support.test' })).toEqual(created);

    expect(await resolveProviderAgent(stack.runtime, { ...profile, email: 'stranger@elsewhere.test' })).toBeNull();
    expect(await findAgentByEmail(await database(stack), 'stranger@elsewhere.test')).toBeUndefined();
    expect(await resolveProviderAgent(stack.runtime, { ...profile, email: 'unverified@support.test', emailVerified: false })).toBeNull();
    expect(await resolveProviderAgent(stack.runtime, { ...profile, email: null })).toBeNull();

    const existing = await makeAgent(stack, 'agent', 'boss@elsewhere.test');
    expect(await resolveProviderAgent(stack.runtime, { ...profile, email: 'boss@elsewhere.test' })).toEqual(existing);
    await updateAgent(await database(stack), existing.id, { disabled: true });
    expect(await resolveProviderAgent(stack.runtime, { ...profile, email: 'boss@elsewhere.test' })).toBeNull();
  });

  it('redirects only into the admin console on this origin', () => {
    const base = 'https://support.example.com';
    expect(safeAdminRedirect('/admin/sessions/x?q=a', base)).toBe('https://support.example.com/admin/sessions/x?q=a');
    expect(safeAdminRedirect('https://evil.test/admin', base)).toBe('https://support.example.com/admin');
    expect(safeAdminRedirect('//evil.test/admin', base)).toBe('https://support.example.com/admin');
    expect(safeAdminRedirect('/administrator', base)).toBe('https://support.example.com/admin');
    expect(safeAdminRedirect('/', base)).toBe('https://support.example.com/admin');
  });
});

describe('session cookies', () => {
  it('identify an enabled agent, and nothing else', async () => {
    const agent = await makeAgent(stack, 'agent');
    const cookie = await cookieFor(stack, agent);
    const headers = (value: Record<string, string>) => new Headers(value);
    expect(await agentFromHeaders(headers({ cookie }), stack.runtime)).toEqual(agent);

    const secure = await cookieFor(stack, agent, true);
    expect(await agentFromHeaders(headers({ cookie: secure }), stack.runtime)).toEqual(agent);

    const [name, value = ''] = cookie.split('=');
    const tampered = `${name}=${value.slice(0, -4)}AAAA`;
    expect(await agentFromHeaders(headers({ cookie: tampered }), stack.runtime)).toBeNull();
    const foreign = await mintSessionCookie(agent.id, randomBytes(32).toString('hex'));
    expect(await agentFromHeaders(headers({ cookie: foreign }), stack.runtime)).toBeNull();
    // The session lives in the cookie only; a bearer header with the same token is not accepted.
    expect(await agentFromHeaders(headers({ authorization: `Bearer ${value}` }), stack.runtime)).toBeNull();
    // A cookie for an id that is no agent.
    expect(await agentFromHeaders(headers({ cookie: await cookieFor(stack, { id: 'not-a-uuid' }) }), stack.runtime)).toBeNull();

    await updateAgent(await database(stack), agent.id, { disabled: true });
    expect(await agentFromHeaders(headers({ cookie }), stack.runtime)).toBeNull();
  });
});

describe('revocable admin sessions', () => {
  async function exportAs(cookie: string): Promise<number> {
    const { GET } = await import('@/app/api/admin/export/route');
    return (await GET(adminRequest('/api/admin/export?format=jsonl', { cookie }), routeContext({}))).status;
  }

  it('a password change, a role change, a disable and "sign out everywhere" each end every session of the agent', async () => {
    const db = await database(stack);
    const agent = await makeAgent(stack, 'agent');
    const before = [await cookieFor(stack, agent), await cookieFor(stack, agent)];
    expect(await Promise.all(before.map(exportAs))).toEqual([200, 200]);
    await updateAgent(db, agent.id, { password: 'a brand new password 123' });
    expect(await Promise.all(before.map(exportAs))).toEqual([401, 401]);

    const afterPassword = await cookieFor(stack, agent);
    await updateAgent(db, agent.id, { name: 'Renamed' });
    expect(await exportAs(afterPassword)).toBe(200);
    await updateAgent(db, agent.id, { role: 'admin' });
    expect(await exportAs(afterPassword)).toBe(401);

    const afterRole = await cookieFor(stack, agent);
    const result = await updateAgent(db, agent.id, { signOutEverywhere: true });
    expect(result).toMatchObject({ kind: 'updated', sessionsRevoked: 1 });
    expect(await exportAs(afterRole)).toBe(401);

    const other = await makeAgent(stack, 'agent');
    const beforeDisable = await cookieFor(stack, other);
    await updateAgent(db, other.id, { disabled: true });
    await updateAgent(db, other.id, { disabled: false });
    expect(await exportAs(beforeDisable)).toBe(401);
  });

  it('end after the idle timeout and after the absolute lifetime, and a sign-out ends only its own session', async () => {
    const agent = await makeAgent(stack, 'agent');
    const idle = await cookieFor(stack, agent);
    const old = await cookieFor(stack, agent);
    const fresh = await cookieFor(stack, agent);
    const rows = await stack.query<{ id: string }>('select id from admin_sessions where agent_id = $1 order by created_at, id', [agent.id]);
    expect(rows).toHaveLength(3);
    const sid = async (cookie: string) => (await sessionClaims(new Headers({ cookie }), stack.runtime.config.authSecret ?? ''))?.sessionId;
    await stack.query(`update admin_sessions set last_seen_at = now() - interval '61 minutes' where id = $1`, [await sid(idle)]);
    await stack.query(`update admin_sessions set created_at = now() - interval '9 hours' where id = $1`, [await sid(old)]);
    expect(await exportAs(idle)).toBe(401);
    expect(await exportAs(old)).toBe(401);
    expect(await exportAs(fresh)).toBe(200);
    await endAdminSession(await database(stack), (await sid(fresh))!);
    expect(await exportAs(fresh)).toBe(401);
    expect(await exportAs(await cookieFor(stack, agent))).toBe(200);
  });
});

describe('admin API authorization', () => {
  const routes = adminApiRoutes().filter((route) => route.path !== '/api/admin/setup');
  const ADMIN_ONLY = new Set(['DELETE /api/admin/sessions/[ref]', 'POST /api/admin/agents', 'PATCH /api/admin/agents/[id]', 'POST /api/admin/retention']);
  const label = (method: string, file: string) =>
    `${method} /${file.replace(/^api/, 'api').replace(/\/route\.ts$/, '')}`;

  async function call(file: string, method: string, request: Request): Promise<Response> {
    const module = (await import(`@/app/${file.replace(/\.ts$/, '')}`)) as Record<string, (r: Request, c: unknown) => Promise<Response>>;
    const handler = module[method];
    if (!handler) throw new Error(`${file} does not export ${method}`);
    return handler(request, routeContext({ id: '00000000-0000-4000-8000-000000000000', auditId: '00000000-0000-4000-8000-000000000000' }));
  }

  it('finds the route files', () => {
    expect(routes.length).toBeGreaterThanOrEqual(9);
    expect(routes.every((route) => route.methods.length > 0)).toBe(true);
  });

  it('answers 401 to anonymous callers on every route and method, before reading anything', async () => {
    for (const route of routes) {
      for (const method of route.methods) {
        const response = await call(route.file, method, adminRequest(route.path, { method, body: method === 'GET' ? undefined : {} }));
        expect(response.status, `${method} ${route.path}`).toBe(401);
        expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
      }
    }
  });

  it('answers 403 to an agent on admin-only actions, and to cross-site mutations by anyone', async () => {
    const agent = await makeAgent(stack, 'agent');
    const admin = await makeAgent(stack, 'admin');
    const agentCookie = await cookieFor(stack, agent);
    const adminCookie = await cookieFor(stack, admin);
    const seen = new Set<string>();
    for (const route of routes) {
      for (const method of route.methods) {
        const key = label(method, route.file);
        if (ADMIN_ONLY.has(key)) {
          seen.add(key);
          const response = await call(route.file, method, adminRequest(route.path, { method, cookie: agentCookie, body: {} }));
          expect(response.status, key).toBe(403);
          expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
        }
        if (method !== 'GET') {
          for (const init of [{ fetchSite: 'cross-site' as const }, { fetchSite: null, origin: 'https://evil.test' }, { fetchSite: null }]) {
            const response = await call(route.file, method, adminRequest(route.path, { method, cookie: adminCookie, body: {}, ...init }));
            expect(response.status, `${key} ${JSON.stringify(init)}`).toBe(403);
          }
        }
      }
    }
    expect([...seen].sort()).toEqual([...ADMIN_ONLY].sort());
  });

  it('accepts a same-origin mutation from a browser without Fetch Metadata when Origin names this host', async () => {
    const admin = await makeAgent(stack, 'admin');
    const { POST } = await import('@/app/api/admin/agents/route');
    const request = adminRequest('/api/admin/agents', {
      method: 'POST',
      cookie: await cookieFor(stack, admin),
      fetchSite: null,
      origin: 'http://localhost',
      body: { email: `new-${randomBytes(3).toString('hex')}@example.com`, role: 'agent', password: TEST_PASSWORD },
    });
    const response = await POST(request, routeContext({}));
    expect(response.status).toBe(201);
  });

  it('lets admins manage agents but never remove the last enabled admin', async () => {
    const db = await database(stack);
    await stack.query(`update agents set disabled_at = now() where role = 'admin'`);
    const admin = await makeAgent(stack, 'admin');
    const cookie = await cookieFor(stack, admin);
    const { POST } = await import('@/app/api/admin/agents/route');
    const { PATCH } = await import('@/app/api/admin/agents/[id]/route');
    const email = `agent-${randomBytes(3).toString('hex')}@example.com`;
    const created = await POST(adminRequest('/api/admin/agents', { method: 'POST', cookie, body: { email, role: 'agent', password: TEST_PASSWORD } }), routeContext({}));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const duplicate = await POST(adminRequest('/api/admin/agents', { method: 'POST', cookie, body: { email: email.toUpperCase(), role: 'agent' } }), routeContext({}));
    expect(duplicate.status).toBe(400);
    const weak = await POST(adminRequest('/api/admin/agents', { method: 'POST', cookie, body: { email: 'weak@example.com', role: 'agent', password: 'short' } }), routeContext({}));
    expect(weak.status).toBe(400);

    const promoted = await PATCH(adminRequest(`/api/admin/agents/${id}`, { method: 'PATCH', cookie, body: { role: 'admin' } }), routeContext({ id }));
    expect(await promoted.json()).toMatchObject({ role: 'admin', hasPassword: true });
    const demoteSelf = await PATCH(adminRequest(`/api/admin/agents/${admin.id}`, { method: 'PATCH', cookie, body: { role: 'agent' } }), routeContext({ id: admin.id }));
    expect(demoteSelf.status).toBe(200);
    // Now the promoted agent is the only admin left: they cannot be disabled.
    const lockout = await PATCH(adminRequest(`/api/admin/agents/${id}`, { method: 'PATCH', cookie: await cookieFor(stack, { id }), body: { disabled: true } }), routeContext({ id }));
    expect(lockout.status).toBe(400);
    expect(await lockout.json()).toMatchObject({ error: { code: 'invalid_request' } });

    const log = await listAccessLog(db, { action: 'agent_update', limit: 5 });
    expect(log.entries[0]?.detail).toMatchObject({ agentId: admin.id, role: 'agent' });
  });
});

describe('first-run setup', () => {
  it('prints a one-time token while no agent exists, and only that token creates the first admin', async () => {
    const fresh = await createAdminStack();
    // The server's log is JSON lines on stdout (lib/observability/log.ts): caught here instead.
    const written: string[] = [];
    setLogSink((line) => written.push(line));
    try {
      expect(await setupIsOpen(fresh.runtime)).toBe(true);
      expect(await setupIsOpen(fresh.runtime)).toBe(true);
      const lines = written.map((line) => JSON.parse(line) as { level: string; setupToken?: string });
      const announced = lines.filter((line) => line.setupToken !== undefined);
      expect(announced).toHaveLength(1);
      expect(announced[0]?.level).toBe('warn');
      const token = announced[0]?.setupToken;
      expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);

      const { POST } = await import('@/app/api/admin/setup/route');
      const body = { email: 'First@Example.com', name: 'First', password: TEST_PASSWORD };
      const attempt = (headers: Record<string, string>) =>
        POST(new Request('http://localhost/api/admin/setup', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers },
          body: JSON.stringify(body),
        }));
      expect((await attempt({})).status).toBe(401);
      expect((await attempt({ 'x-setup-token': 'wrong' })).status).toBe(401);
      const created = await attempt({ 'x-setup-token': token ?? '' });
      expect(created.status).toBe(201);
      expect(await created.json()).toEqual({ email: 'first@example.com' });
      expect((await attempt({ 'x-setup-token': token ?? '' })).status).toBe(401);
      expect(await setupIsOpen(fresh.runtime)).toBe(false);

      const first = await findAgentByEmail(await database(fresh), 'first@example.com');
      expect(first?.role).toBe('admin');
      const log = await listAccessLog(await database(fresh), { action: 'setup', limit: 5 });
      expect(log.entries).toHaveLength(1);
    } finally {
      setLogSink(null);
      await fresh.close();
      (globalThis as { __tetherRuntime?: unknown }).__tetherRuntime = stack.runtime;
    }
  });

  it('creates exactly one first admin when two requests race', async () => {
    const fresh = await createAdminStack();
    try {
      const db = await database(fresh);
      const results = await Promise.all([
        createFirstAdmin(db, { email: 'a@example.com', name: null, password: TEST_PASSWORD }),
        createFirstAdmin(db, { email: 'b@example.com', name: null, password: TEST_PASSWORD }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await createAgent(db, { email: 'c@example.com', name: null, role: 'agent' })).not.toBeNull();
      expect(await createFirstAdmin(db, { email: 'd@example.com', name: null, password: TEST_PASSWORD })).toBeNull();
    } finally {
      await fresh.close();
      (globalThis as { __tetherRuntime?: unknown }).__tetherRuntime = stack.runtime;
    }
  });
});
