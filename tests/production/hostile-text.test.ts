import { afterEach, describe, expect, it } from 'vitest';
import { fromDbText, toDbText } from '@/lib/db/text';
import { sessionRef } from '@/lib/session-ref';
import { chat, eventually, newSession, startProductionStack, type ProductionStack } from '../support/production';

/**
 * Issue 18, point 2, on the production build (`next start`, real Postgres and Redis through the
 * bridge): model replies Postgres cannot hold as they are (NUL, unpaired surrogates, a surrogate pair
 * split across stream chunks and stopped) reach the customer exactly as the model sent them, and each
 * turn is exactly one audit row with its text in the stored form (lib/db/text.ts); no dead letters,
 * every conversation has its sessions row, and none is keyed by a session id.
 */

let stack: ProductionStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface Row {
  session_id: string;
  status: string;
  assistant_text: string | null;
}

const HOSTILE = ['nul:\u0000:end', 'half \uD83D an emoji', '\uDE00 low first', 'both \u0000\uDBFF\u0000 at once'];

describe('text the database cannot hold, on the production server', () => {
  it('each turn is one row in the stored form, no dead letter, the customer gets the reply exactly (SSE and JSON)', async () => {
    stack = await startProductionStack();
    const s = stack;
    const sent: { ref: string; reply: string }[] = [];
    for (const reply of HOSTILE) {
      s.model.setBehaviour({ reply });
      const sessionId = await newSession(s.url);
      const streamed = await chat(s.url, { sessionId, text: 'hello' });
      expect(streamed.status).toBe(200);
      expect(streamed.done, JSON.stringify(streamed.error)).toBeDefined();
      expect(streamed.reply).toBe(reply);
      const json = await chat(s.url, { sessionId, text: 'again' }, { json: true });
      expect(json.status).toBe(200);
      expect((json.body as { reply: string }).reply).toBe(reply);
      sent.push({ ref: sessionRef(sessionId), reply }, { ref: sessionRef(sessionId), reply });
    }

    const rows = await eventually(
      async () => {
        const all = (await s.database!.sql.unsafe('select session_id, status, assistant_text from turns order by session_id, seq')) as unknown as Row[];
        return all.length === sent.length && all.every((row) => row.status === 'ok') ? all : undefined;
      },
      30_000,
      'every turn audited',
    );
    for (const { ref, reply } of sent) {
      const mine = rows.filter((row) => row.session_id === ref);
      expect(mine).toHaveLength(2);
      for (const row of mine) {
        expect(row.assistant_text).toBe(toDbText(reply));
        expect(fromDbText(row.assistant_text!)).toBe(reply);
      }
    }
    const [dead] = (await s.database!.sql.unsafe('select count(*)::int as n from audit_dead_letters')) as unknown as { n: number }[];
    expect(Number(dead!.n)).toBe(0);
    const sessions = (await s.database!.sql.unsafe('select id from sessions')) as unknown as { id: string }[];
    expect(sessions.map((row) => row.id).sort()).toEqual([...new Set(sent.map((item) => item.ref))].sort());
  }, 120_000);

  it('a surrogate pair split across chunks, stopped after the first half: one aborted row with what the customer got', async () => {
    stack = await startProductionStack();
    const s = stack;
    s.model.setBehaviour({ reply: `go 😀 ${'and on '.repeat(20)}`, splitUtf16: true, chunkSize: 1, chunkDelayMs: 150 });
    const sessionId = await newSession(s.url);
    let stopping: Promise<Response> | null = null;
    let received = '';
    let auditId: string | undefined;
    const turn = await chat(
      s.url,
      { sessionId, text: 'smile' },
      {
        onEvent: (event) => {
          if (event.event === 'meta') auditId = event.data.auditId;
          if (event.event !== 'delta') return;
          received += event.data.text;
          if (!stopping && received.endsWith('\uD83D')) {
            stopping = fetch(`${s.url}/api/chat/stop`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ sessionId, auditId }),
            });
          }
        },
      },
    );
    expect(stopping).not.toBeNull();
    expect((await stopping!).status).toBe(202);
    expect(turn.reply).toBe(received);
    expect(received.startsWith('go \uD83D')).toBe(true);
    expect(received.length).toBeLessThan(20);

    const [row] = await eventually(
      async () => {
        const all = (await s.database!.sql.unsafe('select session_id, status, assistant_text from turns')) as unknown as Row[];
        return all.length === 1 && all[0]!.status === 'aborted' ? all : undefined;
      },
      30_000,
      'the stopped turn audited',
    );
    expect(row!.session_id).toBe(sessionRef(sessionId));
    expect(row!.assistant_text).toBe(toDbText(received));
    const [dead] = (await s.database!.sql.unsafe('select count(*)::int as n from audit_dead_letters')) as unknown as { n: number }[];
    expect(Number(dead!.n)).toBe(0);
    // Memory kept the same text: the conversation's messages (customer API) end with it.
    const read = await fetch(`${s.url}/api/session/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId }),
    });
    const messages = (await read.json()) as {
      messages: { role: string; text: string }[];
    };
    expect(messages.messages.at(-1)?.text).toBe(received);
  }, 120_000);
});
