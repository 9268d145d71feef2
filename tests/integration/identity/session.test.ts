import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCreateSession, handleStop } from '@/lib/chat/session-handlers';
import { errorResponse } from '@/lib/errors';
import { issueSessionId } from '@/lib/session-id';
import { sessionRef } from '@/lib/session-ref';
import { badIdentityTokens, IDENTITY_SECRET, signIdentity } from '../../support/identity-tokens';
import { connectRedis, type RedisClient } from '../../support/redis';
import { createTestStack, sharedTestStack, STACK, type TestStack } from '../../support/stack';

interface Created {
  status: number;
  body: {
    sessionId?: string;
    expiresAt?: string;
    identity?: { sub: string; name?: string; email?: string } | null;
    error?: { code: string; message: string };
  };
}

async function createSession(stack: TestStack, body?: unknown, ip = '198.51.100.20'): Promise<Created> {
  const init: RequestInit = { method: 'POST', headers: { 'x-forwarded-for': ip } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  let response: Response;
  try {
    response = await handleCreateSession(new Request('http://localhost/api/session', init), stack.runtime);
  } catch (error) {
    // As the route answers (app/api/session/route.ts).
    response = errorResponse(error);
  }
  return { status: response.status, body: (await response.json()) as Created['body'] };
}

const TABLES = ['sessions', 'turns', 'customer_identities', 'identity_sessions', 'turn_feedback', 'flags', 'notes'];

async function rowCounts(stack: TestStack): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await stack.query<{ n: number }>(`select count(*)::int as n from ${table}`);
    counts[table] = row!.n;
  }
  return counts;
}

async function redisKeys(redis: RedisClient | null, prefix: string): Promise<string[]> {
  if (!redis) return [];
  const keys: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) keys.push(...batch);
  return keys.sort();
}

describe(`POST /api/session with a customer token (${STACK} stack)`, () => {
  const stack = sharedTestStack({ WIDGET_IDENTITY_SECRET: IDENTITY_SECRET });
  let redis: RedisClient | null = null;
  beforeAll(async () => {
    if (STACK === 'services') redis = await connectRedis();
  });
  afterAll(async () => {
    await redis?.quit();
  });

  it('without a body stays anonymous, as today', async () => {
    const created = await createSession(stack);
    expect(created.status).toBe(201);
    expect(created.body.identity).toBeNull();
    expect(created.body.sessionId).toMatch(/^s1\./);
    expect(await createSession(stack, {})).toMatchObject({ status: 201, body: { identity: null } });
  });

  it('gives the same sub the same conversation on every sign-in, with the identity as signed', async () => {
    const first = await createSession(stack, { userToken: await signIdentity({ sub: 'user-same', name: 'Ada', email: 'ada@example.com' }) });
    expect(first.status).toBe(201);
    expect(first.body.identity).toEqual({ sub: 'user-same', name: 'Ada', email: 'ada@example.com' });
    // A refreshed token (later exp, another iat), as a second device or a token refresh sends it.
    const second = await createSession(stack, {
      userToken: await signIdentity({ sub: 'user-same', name: 'Ada L.', exp: Math.floor(Date.now() / 1000) + 7200 }),
    });
    expect(second.status).toBe(201);
    expect(second.body.sessionId).toBe(first.body.sessionId);
    expect(second.body.identity).toEqual({ sub: 'user-same', name: 'Ada L.' });
    const [identity] = await stack.query<{ name: string | null; email: string | null; generation: number }>(
      'select name, email, generation from customer_identities where sub = $1',
      ['user-same'],
    );
    expect(identity).toEqual({ name: 'Ada L.', email: null, generation: 0 });
    const mapped = await stack.query<{ session_ref: string }>('select session_ref from identity_sessions where sub = $1', ['user-same']);
    expect(mapped).toEqual([{ session_ref: sessionRef(first.body.sessionId!) }]);
  });

  it('never stores the raw session id of a verified conversation', async () => {
    const created = await createSession(stack, { userToken: await signIdentity({ sub: 'user-raw' }) });
    const hits = await stack.query(
      `select 1 from customer_identities ci join identity_sessions s using (sub)
        where ci::text like '%' || $1 || '%' or s::text like '%' || $1 || '%'`,
      [created.body.sessionId],
    );
    expect(hits).toHaveLength(0);
  });

  it('gives another sub another conversation, even with the same e-mail', async () => {
    const a = await createSession(stack, { userToken: await signIdentity({ sub: 'user-a', email: 'shared@example.com' }) });
    const b = await createSession(stack, { userToken: await signIdentity({ sub: 'user-b', email: 'shared@example.com' }) });
    expect(a.body.sessionId).not.toBe(b.body.sessionId);
    const anon = await createSession(stack);
    expect(anon.body.sessionId).not.toBe(a.body.sessionId);
  });

  it('continues the conversation (memory and transcript) on a second device', async () => {
    const laptop = await createSession(stack, { userToken: await signIdentity({ sub: 'user-devices' }) });
    const turn = await stack.send(laptop.body.sessionId!, 'My order number is 7781.');
    expect(turn.status).toBe(200);
    const phone = await createSession(stack, { userToken: await signIdentity({ sub: 'user-devices' }) }, '192.0.2.99');
    expect(phone.body.sessionId).toBe(laptop.body.sessionId);
    stack.model.clearRequests();
    await stack.send(phone.body.sessionId!, 'What was my order number?');
    const prompt = JSON.stringify(stack.model.lastRequest()?.messages);
    expect(prompt).toContain('My order number is 7781.');
    const turns = await stack.query<{ seq: number }>('select seq from turns where session_id = $1 order by seq', [sessionRef(phone.body.sessionId!)]);
    expect(turns.map((t) => t.seq)).toEqual([1, 2]);
  });

  it('starts a fresh conversation on newConversation, which later sign-ins continue', async () => {
    const sub = 'user-fresh';
    const old = await createSession(stack, { userToken: await signIdentity({ sub }) });
    await stack.send(old.body.sessionId!, 'Remember the colour teal.');
    const fresh = await createSession(stack, { userToken: await signIdentity({ sub }), newConversation: true });
    expect(fresh.status).toBe(201);
    expect(fresh.body.sessionId).not.toBe(old.body.sessionId);
    const later = await createSession(stack, { userToken: await signIdentity({ sub }) });
    expect(later.body.sessionId).toBe(fresh.body.sessionId);
    stack.model.clearRequests();
    await stack.send(later.body.sessionId!, 'Which colour?');
    expect(JSON.stringify(stack.model.lastRequest()?.messages)).not.toContain('teal');
    const mapped = await stack.query<{ generation: number }>('select generation from identity_sessions where sub = $1 order by generation', [sub]);
    expect(mapped.map((m) => m.generation)).toEqual([0, 1]);
  });

  it('refuses every bad token with a 4xx code and stores nothing anywhere', async () => {
    // The per-address limit counts every request (token guessing too); make its key exist first.
    await createSession(stack, { userToken: 'not-a-jwt' }, '198.51.100.66');
    await stack.settle();
    const rowsBefore = await rowCounts(stack);
    const keysBefore = await redisKeys(redis, stack.runtime.config.memory.keyPrefix);
    for (const { what, token, code } of await badIdentityTokens('user-bad')) {
      const created = await createSession(stack, { userToken: token }, '198.51.100.66');
      expect({ what, status: created.status, code: created.body.error?.code }).toEqual({ what, status: 401, code });
      expect(created.body.sessionId, what).toBeUndefined();
    }
    for (const body of [{ userToken: await signIdentity({ sub: 'user-bad' }), sub: 'x' }, { newConversation: true }, '{"userToken":']) {
      const created = await createSession(stack, body, '198.51.100.66');
      expect(created.status, JSON.stringify(body)).toBe(400);
    }
    await stack.settle();
    expect(await rowCounts(stack)).toEqual(rowsBefore);
    expect(await redisKeys(redis, stack.runtime.config.memory.keyPrefix)).toEqual(keysBefore);
    const [bad] = await stack.query<{ n: number }>("select count(*)::int as n from customer_identities where sub = 'user-bad'");
    expect(bad!.n).toBe(0);
  });
});

describe(`a token while identity verification is not configured (${STACK} stack)`, () => {
  const stack = sharedTestStack();

  it('is refused with identity_not_configured and stores nothing', async () => {
    const before = await rowCounts(stack);
    const created = await createSession(stack, { userToken: await signIdentity({ sub: 'user-1' }) });
    expect(created).toMatchObject({ status: 400, body: { error: { code: 'identity_not_configured' } } });
    expect(await rowCounts(stack)).toEqual(before);
  });
});

describe(`identity required (${STACK} stack)`, () => {
  const stack = sharedTestStack({ WIDGET_IDENTITY_SECRET: IDENTITY_SECRET, WIDGET_IDENTITY_REQUIRED: 'on' });

  it('refuses an anonymous session', async () => {
    const created = await createSession(stack);
    expect(created).toMatchObject({ status: 401, body: { error: { code: 'identity_required' } } });
    expect(await rowCounts(stack)).toMatchObject({ sessions: 0, customer_identities: 0 });
  });

  it('refuses an anonymous id on chat, messages and stop, storing nothing and calling no model', async () => {
    // An id issued while verification was optional (same secret): still not allowed in.
    const anonymous = issueSessionId(stack.runtime.config.sessionSecret);
    stack.model.reset();
    const chat = await stack.post({ sessionId: anonymous, text: 'let me in' });
    expect(chat.status).toBe(401);
    expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('identity_required');
    const messages = await stack.messages(anonymous);
    expect(messages.status).toBe(401);
    const stop = await handleStop(
      new Request('http://localhost/api/chat/stop', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: anonymous, auditId: '00000000-0000-4000-8000-000000000000' }),
      }),
      stack.runtime,
    );
    expect(stop.status).toBe(401);
    await stack.settle();
    expect(stack.model.requests).toHaveLength(0);
    expect(await rowCounts(stack)).toMatchObject({ sessions: 0, turns: 0 });
    expect((await stack.runtime.memory.read(anonymous)).messages).toHaveLength(0);
  });

  it('lets a verified customer chat', async () => {
    const created = await createSession(stack, { userToken: await signIdentity({ sub: 'user-ok' }) });
    expect(created.status).toBe(201);
    const turn = await stack.send(created.body.sessionId!, 'Hello');
    expect(turn.status).toBe(200);
    expect(turn.reply.length).toBeGreaterThan(0);
  });
});

describe(`the per-address limit applies to token requests (${STACK} stack)`, () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack({ WIDGET_IDENTITY_SECRET: IDENTITY_SECRET, SESSION_CREATE_PER_IP_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('answers 429 after the limit, good token or bad', async () => {
    const token = await signIdentity({ sub: 'user-limit' });
    expect((await createSession(stack, { userToken: 'garbage' }, '198.51.100.77')).status).toBe(401);
    expect((await createSession(stack, { userToken: token }, '198.51.100.77')).status).toBe(201);
    const limited = await createSession(stack, { userToken: token }, '198.51.100.77');
    expect(limited).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
  });
});
