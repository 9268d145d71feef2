import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueSessionId } from '@/lib/session-id';
import { sessionRef } from '@/lib/session-ref';
import { badIdentityTokens, IDENTITY_SECRET, signIdentity } from '../support/identity-tokens';
import { connectRedis, type RedisClient } from '../support/redis';
import { chat, eventually, startProductionStack, type ProductionStack } from '../support/production';

/**
 * Identity verification on the production build (`next start`, real Postgres and Redis, the mock
 * model): a customer the host site vouches for continues one conversation on any device; nobody
 * else sees it; bad tokens store nothing; "required" really refuses anonymous chats.
 */

let redis: RedisClient;
let stack: ProductionStack | undefined;

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(async () => {
  await redis.quit();
});
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface SessionAnswer {
  status: number;
  body: { sessionId?: string; identity?: unknown; error?: { code: string } };
}

/** POST /api/session as a device would: its own user agent, optionally a token. */
async function openSession(url: string, device: string, body?: Record<string, unknown>): Promise<SessionAnswer> {
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'user-agent': device, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as SessionAnswer['body'] };
}

async function count(s: ProductionStack, table: string): Promise<number> {
  const [row] = (await s.database!.sql.unsafe(`select count(*)::int as n from ${table}`)) as unknown as Array<{ n: number }>;
  return row!.n;
}

async function keys(s: ProductionStack): Promise<string[]> {
  const found: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${s.keyPrefix}*`, COUNT: 500 })) found.push(...batch);
  return found.sort();
}

const promptOf = (s: ProductionStack) => JSON.stringify(s.model.lastRequest()?.messages ?? []);

describe('identity verification on the production server', () => {
  it('two devices with tokens for one sub share one conversation and its memory; a third sub sees nothing', async () => {
    stack = await startProductionStack({ env: { WIDGET_IDENTITY_SECRET: IDENTITY_SECRET } });
    const s = stack;
    const laptop = await openSession(s.url, 'laptop', {
      userToken: await signIdentity({ sub: 'shop-42', name: 'Ada Lovelace', email: 'ada@example.com' }),
    });
    expect(laptop).toMatchObject({ status: 201, body: { identity: { sub: 'shop-42', name: 'Ada Lovelace', email: 'ada@example.com' } } });
    const id = laptop.body.sessionId!;
    expect((await chat(s.url, { sessionId: id, text: 'My locker code is 9931, please remember it.' })).done).toBeDefined();

    // The phone: another token (fresh iat, later exp) for the same customer.
    const phone = await openSession(s.url, 'phone', {
      userToken: await signIdentity({ sub: 'shop-42', name: 'Ada Lovelace', exp: Math.floor(Date.now() / 1000) + 600 }),
    });
    expect(phone.status).toBe(201);
    expect(phone.body.sessionId).toBe(id);
    s.model.clearRequests();
    expect((await chat(s.url, { sessionId: phone.body.sessionId!, text: 'What is my locker code?' })).done).toBeDefined();
    expect(promptOf(s)).toContain('My locker code is 9931');

    // A third customer: another conversation, which knows nothing of the first.
    const stranger = await openSession(s.url, 'stranger', { userToken: await signIdentity({ sub: 'shop-77' }) });
    expect(stranger.status).toBe(201);
    expect(stranger.body.sessionId).not.toBe(id);
    s.model.clearRequests();
    expect((await chat(s.url, { sessionId: stranger.body.sessionId!, text: 'What is my locker code?' })).done).toBeDefined();
    expect(promptOf(s)).not.toContain('9931');

    // One conversation in the audit for shop-42, with both turns in order, tied to the identity.
    const rows = await eventually(
      async () => {
        const found = (await s.database!.sql.unsafe(
          `select s.ref, s.turn_count, c.sub, c.name, c.email
             from sessions s join identity_sessions i on i.session_ref = s.ref join customer_identities c on c.sub = i.sub
            where c.sub = 'shop-42'`,
        )) as unknown as Array<{ ref: string; turn_count: number; sub: string; name: string; email: string | null }>;
        return found.length === 1 && found[0]!.turn_count === 2 ? found : undefined;
      },
      10_000,
      'both turns of shop-42 in the audit',
    );
    expect(rows).toEqual([{ ref: sessionRef(id), turn_count: 2, sub: 'shop-42', name: 'Ada Lovelace', email: null }]);
    const turns = (await s.database!.sql.unsafe('select user_text from turns where session_id in (select id from sessions where ref = $1) order by seq', [
      sessionRef(id),
    ])) as unknown as Array<{ user_text: string }>;
    expect(turns.map((t) => t.user_text)).toEqual(['My locker code is 9931, please remember it.', 'What is my locker code?']);
    // The server never printed a full session id.
    expect(s.output()).not.toContain(id);
  });

  it('bad tokens answer 4xx and add no session, turn, identity or Redis key', async () => {
    stack = await startProductionStack({ env: { WIDGET_IDENTITY_SECRET: IDENTITY_SECRET } });
    const s = stack;
    const before = {
      sessions: await count(s, 'sessions'),
      turns: await count(s, 'turns'),
      identities: await count(s, 'customer_identities'),
      mapped: await count(s, 'identity_sessions'),
    };
    const keysBefore = await keys(s);
    for (const { what, token, code } of await badIdentityTokens('shop-bad')) {
      const answer = await openSession(s.url, 'attacker', { userToken: token });
      expect({ what, status: answer.status, code: answer.body.error?.code }).toEqual({ what, status: 401, code });
    }
    const unknownField = await openSession(s.url, 'attacker', { userToken: await signIdentity({ sub: 'shop-bad' }), sub: 'admin' });
    expect(unknownField).toMatchObject({ status: 400, body: { error: { code: 'unknown_field' } } });
    expect({
      sessions: await count(s, 'sessions'),
      turns: await count(s, 'turns'),
      identities: await count(s, 'customer_identities'),
      mapped: await count(s, 'identity_sessions'),
    }).toEqual(before);
    expect(await keys(s)).toEqual(keysBefore);
    expect(s.model.requests).toHaveLength(0);
  });

  it('with identity required, anonymous chats are refused: no session, and an anonymous id gets no turn', async () => {
    const sessionSecret = randomBytes(32).toString('hex');
    stack = await startProductionStack({
      env: { WIDGET_IDENTITY_SECRET: IDENTITY_SECRET, WIDGET_IDENTITY_REQUIRED: 'on', SESSION_SECRET: sessionSecret },
    });
    const s = stack;
    expect(await openSession(s.url, 'anonymous')).toMatchObject({ status: 401, body: { error: { code: 'identity_required' } } });
    // An anonymous id signed with the deployment's own secret (one issued before "required" was on).
    const anonymous = issueSessionId(sessionSecret);
    const turn = await chat(s.url, { sessionId: anonymous, text: 'let me in' });
    expect(turn.status).toBe(401);
    expect(turn.body).toMatchObject({ error: { code: 'identity_required' } });
    expect(s.model.requests).toHaveLength(0);
    expect(await count(s, 'sessions')).toBe(0);
    expect(await count(s, 'turns')).toBe(0);
    // A verified customer still chats.
    const verified = await openSession(s.url, 'customer', { userToken: await signIdentity({ sub: 'shop-1' }) });
    expect(verified.status).toBe(201);
    expect((await chat(s.url, { sessionId: verified.body.sessionId!, text: 'Hello' })).done).toBeDefined();
  });
});
