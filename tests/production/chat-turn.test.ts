import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sessionKeys } from '@/lib/redis/keys';
import { sessionRef } from '@/lib/session-ref';
import { connectRedis, type RedisClient } from '../support/redis';
import { chat, eventually, newSession, startProductionStack, type HttpTurn, type ProductionStack } from '../support/production';

/**
 * The chat turn on the production build (`next start`), with the faults an operator meets: the
 * server killed mid-run, Redis blips, Postgres cut, every model failure. Counted in Postgres rows and
 * Redis keys, never believed.
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

interface Row {
  audit_id: string;
  session_id: string;
  seq: number;
  seq_minor: number;
  status: string;
  user_text: string;
  message_id: string | null;
  error_code: string | null;
  memory_status: string;
}

async function rows(s: ProductionStack, where = 'true', params: unknown[] = []): Promise<Row[]> {
  return (await s.database!.sql.unsafe(
    `select audit_id, session_id, seq, seq_minor, status, user_text, message_id, error_code, memory_status from turns where ${where} order by session_id, seq, seq_minor`,
    params as never[],
  )) as unknown as Row[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the chat turn on the production server', () => {
  it('kill -9 mid-run: every answered turn has exactly one final audit row, nothing stays pending, every session answers again at once', async () => {
    stack = await startProductionStack({ env: { TURN_LEASE_MS: '3000' } });
    const s = stack;
    s.model.setBehaviour({ chunkDelayMs: 40, chunkSize: 8 });
    const sessions = await Promise.all(Array.from({ length: 20 }, () => newSession(s.url)));
    const answered = new Map<string, string>(); // audit id → session
    let killed = false;
    const loops = sessions.map(async (sessionId, index) => {
      for (let n = 0; !killed && n < 50; n++) {
        const turn = await chat(s.url, { sessionId, text: `session ${index} message ${n}` });
        if (turn.done) answered.set(turn.done.auditId, sessionId);
        else break;
      }
    });
    await sleep(2500);
    killed = true;
    await s.kill('SIGKILL');
    await Promise.all(loops);
    expect(answered.size).toBeGreaterThan(20);

    await s.restart();
    // The next message of every session is answered within a few seconds: no lease outlives the crash by more.
    const next = await Promise.all(sessions.map((sessionId) => chat(s.url, { sessionId, text: 'after the restart' })));
    for (const turn of next) {
      expect(turn.done, JSON.stringify(turn.error ?? turn.body)).toBeDefined();
      expect(turn.ms).toBeLessThan(6000);
    }

    // Within 60 s and with no command run by hand: every answered turn is there once, final; none pending.
    const settled = await eventually(
      async () => {
        const all = await rows(s);
        return all.some((row) => row.status === 'pending') || all.length < answered.size + sessions.length ? undefined : all;
      },
      60_000,
      'every turn final in the audit',
    );
    const byId = new Map(settled.map((row) => [row.audit_id, row]));
    for (const [auditId, sessionId] of answered) {
      const row = byId.get(auditId);
      expect(row, `answered turn ${auditId} has no audit row`).toBeDefined();
      expect(row!.session_id).toBe(sessionRef(sessionId));
      expect(row!.status).toBe('ok');
    }
    for (const turn of next) expect(byId.get(turn.done!.auditId)?.status).toBe('ok');
    // Turns cut by the crash are closed as abandoned, not left pending; turn numbers are unique per session.
    expect(settled.every((row) => ['ok', 'abandoned'].includes(row.status))).toBe(true);
    const keys = settled.map((row) => `${row.session_id}:${row.seq}:${row.seq_minor}`);
    expect(new Set(keys).size).toBe(keys.length);
  }, 180_000);

  describe('each model fault gives its documented code, as JSON and as SSE, and the audit row says the same', () => {
    // One server for these cases (the file's afterEach closes only `stack`).
    let shared: ProductionStack | undefined;
    beforeAll(async () => {
      shared = await startProductionStack({ env: { OPENAI_TIMEOUT_MS: '1500' } });
    });
    afterAll(async () => {
      await shared?.close();
    });

    const cases = [
      ['429', 'model_rate_limited'],
      ['500', 'model_unavailable'],
      ['400', 'model_rejected'],
      ['timeout', 'model_timeout'],
      ['broken-stream', 'model_stream_broken'],
      ['empty', 'model_empty'],
    ] as const;

    for (const [fault, code] of cases) {
      it(`${fault} → ${code}`, async () => {
        const s = shared!;
        const sessionId = await newSession(s.url);
        s.model.reset();
        s.model.failNext(fault);
        const sse = await chat(s.url, { sessionId, text: `SSE with ${fault}` });
        expect(sse.status).toBe(200);
        expect(sse.error?.code).toBe(code);
        s.model.failNext(fault);
        const json = await chat(s.url, { sessionId, text: `JSON with ${fault}` }, { json: true });
        expect(json.status).toBe(502);
        const body = json.body as { error: { code: string }; auditId: string };
        expect(body.error.code).toBe(code);
        const audited = await eventually(
          async () => {
            const found = await rows(s, 'session_id = $1', [sessionRef(sessionId)]);
            return found.length === 2 && found.every((row) => row.status !== 'pending') ? found : undefined;
          },
          10_000,
          'both turns audited',
        );
        expect(audited.map((row) => [row.status, row.error_code])).toEqual([
          ['model_error', code],
          ['model_error', code],
        ]);
        expect(audited[1]!.audit_id).toBe(body.auditId);
      });
    }

    it('a customer who stops a reply keeps what arrived; the audit says aborted', async () => {
      const s = shared!;
      s.model.reset();
      s.model.setBehaviour({ chunkDelayMs: 150, chunkSize: 4, reply: 'A long answer that the customer will not wait for at all.' });
      const sessionId = await newSession(s.url);
      const current = { auditId: '', stopped: false, stopStatus: 0 };
      const turn = await chat(s.url, { sessionId, text: 'tell me everything' }, {
        onEvent: (event) => {
          if (event.event === 'meta') current.auditId = event.data.auditId;
          if (event.event === 'delta' && !current.stopped) {
            current.stopped = true;
            void fetch(`${s.url}/api/chat/stop`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ sessionId, auditId: current.auditId }),
            }).then((response) => (current.stopStatus = response.status));
          }
        },
      });
      expect(current.stopStatus, JSON.stringify(turn.events)).toBe(202);
      expect(turn.done, JSON.stringify(turn.events)).toBeDefined();
      expect(turn.done?.stopped, JSON.stringify(turn.events)).toBe(true);
      expect(turn.reply.length).toBeGreaterThan(0);
      expect(turn.reply.length).toBeLessThan('A long answer that the customer will not wait for at all.'.length);
      const [row] = await eventually(
        async () => {
          const found = await rows(s, 'session_id = $1', [sessionRef(sessionId)]);
          return found[0]?.status === 'aborted' ? found : undefined;
        },
        10_000,
        'the stopped turn audited',
      );
      expect(row).toMatchObject({ status: 'aborted', error_code: 'model_aborted' });
      s.model.setBehaviour({ chunkDelayMs: 0, reply: undefined as never });
    });
  });

  it('a Redis blip during the model call, and a load whose reply came too late: the next turn is answered at once', async () => {
    stack = await startProductionStack();
    const s = stack;
    const sessionId = await newSession(s.url);
    expect((await chat(s.url, { sessionId, text: 'first' })).done).toBeDefined();

    // Redis goes away while the model writes, and is back before the customer's next message.
    s.model.setBehaviour({ firstTokenDelayMs: 600 });
    const during = chat(s.url, { sessionId, text: 'during the blip' });
    await sleep(200);
    await s.bridge!.stop();
    const blipped = await during;
    expect(blipped.done?.remembered).toBe(false);
    await s.bridge!.start();
    s.model.setBehaviour({ firstTokenDelayMs: 0 });
    const after = await chat(s.url, { sessionId, text: 'right after' });
    expect(after.status).toBe(200);
    expect(after.done).toBeDefined();
    expect(after.ms).toBeLessThan(2000);

    // Redis runs the load (and takes the lease) but its answer arrives after REDIS_TIMEOUT_MS.
    s.bridge!.setFault('late');
    const late = await chat(s.url, { sessionId, text: 'late load reply' });
    expect(late.meta?.memory).toBe('unavailable');
    s.bridge!.setFault(null);
    await sleep(1600);
    const next = await chat(s.url, { sessionId, text: 'and now' });
    expect(next.status).toBe(200);
    expect(next.done).toBeDefined();
    expect(next.ms).toBeLessThan(2000);
    expect(await redis.exists(sessionKeys(s.keyPrefix, sessionId).lease)).toBe(0);
  }, 90_000);

  it('Postgres cut for part of a run: afterwards every turn is there once, each transcript in the order it was typed', async () => {
    stack = await startProductionStack();
    const s = stack;
    const sessions = await Promise.all(Array.from({ length: 5 }, () => newSession(s.url)));
    const sent = new Map<string, string[]>(sessions.map((id) => [id, []]));
    const run = async (from: number, to: number) => {
      await Promise.all(
        sessions.map(async (sessionId) => {
          for (let n = from; n < to; n++) {
            const text = `${sessionId.slice(-6)} #${n}`;
            const turn = await chat(s.url, { sessionId, text });
            expect(turn.done, JSON.stringify(turn.error ?? turn.body)).toBeDefined();
            sent.get(sessionId)!.push(text);
          }
        }),
      );
    };
    await run(0, 3);
    await s.proxy!.stop();
    await run(3, 9);
    await s.proxy!.start();
    await run(9, 12);
    const all = await eventually(
      async () => {
        const found = await rows(s);
        return found.length === sessions.length * 12 && found.every((row) => row.status === 'ok') ? found : undefined;
      },
      30_000,
      'all 60 turns in the audit',
    );
    for (const sessionId of sessions) {
      const transcript = all.filter((row) => row.session_id === sessionRef(sessionId));
      expect(transcript.map((row) => row.user_text)).toEqual(sent.get(sessionId));
      expect(transcript.map((row) => row.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    }
  }, 120_000);

  it('a resend during a Redis blip is answered with the stored reply, stored and audited once', async () => {
    stack = await startProductionStack();
    const s = stack;
    const sessionId = await newSession(s.url);
    const messageId = `msg-${randomUUID().slice(0, 12)}`;
    const first = await chat(s.url, { sessionId, text: 'please refund order 4711', messageId });
    expect(first.done).toBeDefined();
    await eventually(async () => ((await rows(s, 'message_id = $1', [messageId])).length === 1 ? true : undefined), 10_000, 'first audited');

    await s.bridge!.stop();
    const resend = await chat(s.url, { sessionId, text: 'please refund order 4711', messageId });
    await s.bridge!.start();
    expect(resend.done?.reply).toBe(first.done!.reply);
    expect(resend.meta?.replay).toBe(true);

    const again = await chat(s.url, { sessionId, text: 'please refund order 4711', messageId });
    expect(again.meta?.replay).toBe(true);
    await sleep(1500);
    expect(await rows(s, 'message_id = $1', [messageId])).toHaveLength(1);
    expect(await rows(s, 'session_id = $1', [sessionRef(sessionId)])).toHaveLength(1);
    const remembered = await redis.lRange(sessionKeys(s.keyPrefix, sessionId).messages, 0, -1);
    expect(remembered.filter((item) => item.includes(messageId))).toHaveLength(1);
  }, 60_000);

  it('Redis flushed between two turns: the second says "expired", with the notice, and the audit records it', async () => {
    stack = await startProductionStack();
    const s = stack;
    const sessionId = await newSession(s.url);
    await chat(s.url, { sessionId, text: 'My name is Ada' });
    await eventually(async () => ((await rows(s, 'session_id = $1', [sessionRef(sessionId)]))[0]?.status === 'ok' ? true : undefined), 10_000, 'audited');
    // Everything this server had in Redis is gone (a flush, a restart without persistence, eviction).
    for await (const keys of redis.scanIterator({ MATCH: `${s.keyPrefix}:*`, COUNT: 500 })) if (keys.length) await redis.del(keys);
    const second = await chat(s.url, { sessionId, text: 'What is my name?' });
    expect(second.meta?.memory).toBe('expired');
    expect(second.meta?.notice).toMatch(/no longer available/);
    const audited = await eventually(
      async () => {
        const found = await rows(s, 'session_id = $1', [sessionRef(sessionId)]);
        return found.length === 2 && found[1]!.status === 'ok' ? found : undefined;
      },
      10_000,
      'second turn audited',
    );
    expect(audited.map((row) => [row.seq, row.memory_status])).toEqual([
      [1, 'new'],
      [2, 'expired'],
    ]);
  }, 60_000);

  it('the embedded default keeps a conversation across a server restart', async () => {
    stack = await startProductionStack({ stack: 'embedded' });
    const s = stack;
    const sessionId = await newSession(s.url);
    expect((await chat(s.url, { sessionId, text: 'My name is Ada' })).done).toBeDefined();
    await s.kill('SIGTERM');
    await s.restart();
    const second: HttpTurn = await chat(s.url, { sessionId, text: 'What is my name?' });
    expect(second.meta?.memory).toBe('ok');
    const sent = s.model.lastRequest()!.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(sent).toEqual(['My name is Ada', 'What is my name?']);
  }, 120_000);
});
