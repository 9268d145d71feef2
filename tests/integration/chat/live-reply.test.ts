import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisLiveReplyStore } from '@/lib/conversation/redis/live-reply';
import { tailLiveReply } from '@/lib/chat/resume';
import { createRestClient } from '@/lib/redis/client';
import type { ChatEvent } from '@/lib/chat/events';
import { connectRedis, deleteKeys, type RedisClient } from '../../support/redis';
import { createTestStack, type TestStack } from '../../support/stack';

/** The reply buffer on real Redis through the Upstash REST bridge, as the running app uses it. */
let redis: RedisClient;
let stack: TestStack;

beforeAll(async () => {
  redis = await connectRedis();
  stack = await createTestStack({}, 'services');
});
afterAll(async () => {
  await deleteKeys(redis, stack.runtime.config.memory.keyPrefix);
  await stack.close();
  await redis.quit();
});
afterEach(() => {
  stack.model.reset();
  stack.bridge!.resetRoundTrips();
});

const AUDIT = '0190a000-0000-7000-8000-0000000000aa';

describe('live reply buffer on Redis', () => {
  it('writes, appends and reads back one value per session, with a TTL, under the v2 session key', async () => {
    const { url, token } = stack.bridge!;
    const prefix = stack.runtime.config.memory.keyPrefix;
    const store = new RedisLiveReplyStore(createRestClient({ url, token, timeoutMs: 2000, retries: 0 }), prefix);
    await store.write('s-1', { auditId: AUDIT, userText: 'می\u200Cخواهم', at: 'now', status: 'streaming', text: 'Hel' }, 120);
    await store.append('s-1', 'lo 👨\u200D👩\u200D👧', 120);
    expect(await store.read('s-1')).toMatchObject({ auditId: AUDIT, userText: 'می\u200Cخواهم', status: 'streaming', text: 'Hello 👨\u200D👩\u200D👧' });
    const key = `${prefix}:v2:session:{s-1}:live`;
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    expect(await store.read('s-unknown')).toBeNull();
  });

  it('a short reply costs the turn no extra Redis request; a long one is batched', async () => {
    const sessionId = await stack.newSession();
    stack.bridge!.resetRoundTrips();
    await stack.send(sessionId, 'short one');
    const shortTrips = stack.bridge!.roundTrips;

    stack.model.setBehaviour({ reply: 'word '.repeat(60), chunkDelayMs: 20, chunkSize: 5 });
    stack.bridge!.resetRoundTrips();
    const result = await stack.send(sessionId, 'a long one');
    expect(result.reply).toBe('word '.repeat(60));
    const longTrips = stack.bridge!.roundTrips;
    // 60 deltas over ~1.2 s: a handful of batched writes, not one per delta.
    expect(longTrips - shortTrips).toBeGreaterThanOrEqual(2);
    expect(longTrips - shortTrips).toBeLessThanOrEqual(10);
    // The finished reply is left readable for a moment, marked done.
    expect(await stack.runtime.liveReplies.read(sessionId)).toMatchObject({ status: 'done', text: 'word '.repeat(60) });
  });

  it('a resume started mid-reply replays the start and ends with the whole reply', async () => {
    const sessionId = await stack.newSession();
    stack.model.setBehaviour({ reply: `start ${'middle '.repeat(40)}end`, chunkDelayMs: 25, chunkSize: 7 });
    const turn = stack.send(sessionId, 'resume me');
    const store = stack.runtime.liveReplies;
    let live = null;
    for (let i = 0; i < 100 && !live; i++) {
      live = await store.read(sessionId);
      if (!live) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(live?.status).toBe('streaming');
    const events: ChatEvent[] = [];
    for await (const event of tailLiveReply(stack.runtime.liveReplyHub, sessionId, live!.auditId, { pollMs: 50, maxMs: 20_000 })) events.push(event);
    await turn;
    const text = events.flatMap((e) => (e.event === 'delta' ? [e.data.text] : [])).join('');
    expect(text).toBe(`start ${'middle '.repeat(40)}end`);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { reply: text } });
  });
});
