import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listAccessLog } from '@/lib/auth/access-log';
import { exportStream } from '@/lib/admin/export';
import { parseListFilters } from '@/lib/admin/filters';
import { addNote, createFlag } from '@/lib/admin/review';
import { listSessions } from '@/lib/admin/sessions';
import { openTranscript } from '@/lib/admin/transcript';
import { SseDecoder, toChatEvent } from '@/components/chat/sse';
import type { ChatEvent } from '@/lib/chat/events';
import { handleStop } from '@/lib/chat/session-handlers';
import { ESCAPED_TEXT_MARKER, fromDbText, toDbText } from '@/lib/db/text';
import { sessionRef } from '@/lib/session-ref';
import { database, makeAgent } from '../admin/helpers';
import { sharedTestStack, STACK, type TestStack } from '../../support/stack';

/**
 * Text Postgres cannot hold (NUL, unpaired surrogates) never costs a row (issue 18, point 2): each
 * turn is one row with its text in the stored form of lib/db/text.ts, no dead letter, the sessions
 * row exists, the customer got the reply exactly as the model sent it, and memory and audit agree.
 * Runs on both stacks: TETHER_TEST_STACK=embedded for PGlite and the in-process store.
 */

interface Row {
  audit_id: string;
  session_id: string;
  user_text: string;
  assistant_text: string | null;
  status: string;
  prompt_messages: { role: string; content: string }[];
}

async function auditOf(stack: TestStack, sessionId: string) {
  const rows = await stack.query<Row>(
    'select audit_id::text, session_id, user_text, assistant_text, status, prompt_messages from turns where session_id = $1 order by seq, seq_minor',
    [sessionRef(sessionId)],
  );
  const sessionsRows = await stack.query<{ id: string; last_user_text: string | null }>('select id, last_user_text from sessions where id = $1', [
    sessionRef(sessionId),
  ]);
  const [dead] = await stack.query<{ n: number }>('select count(*)::int as n from audit_dead_letters');
  return { rows, session: sessionsRows[0], deadLetters: Number(dead!.n) };
}

async function remembered(stack: TestStack, sessionId: string) {
  return (await stack.runtime.memory.read(sessionId)).messages.map((m) => ({ role: m.role, text: m.text, stopped: m.stopped ?? false }));
}

const HOSTILE_REPLIES = {
  nul: 'nul:\u0000:end',
  'lone high surrogate': 'half an emoji \uD83D here',
  'lone low surrogate': '\uDE00 starts it',
  'escape look-alikes': `${ESCAPED_TEXT_MARKER}\\0 and \\uD83D are just text \u0000`,
};

describe(`text the database cannot hold (${STACK} stack)`, () => {
  const stack = sharedTestStack({ AUTH_SECRET: randomBytes(32).toString('hex') });

  for (const [name, reply] of Object.entries(HOSTILE_REPLIES)) {
    it(`a model reply with a ${name}: one row, its text in the stored form, no dead letter`, async () => {
      const sessionId = await stack.newSession();
      stack.model.setBehaviour({ reply });
      const customerText = `tell me about ${name}`;
      const turn = await stack.send(sessionId, customerText);
      expect(turn.status).toBe(200);
      expect(turn.reply).toBe(reply);

      const { rows, session, deadLetters } = await auditOf(stack, sessionId);
      expect(deadLetters).toBe(0);
      expect(session).toBeDefined();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.status).toBe('ok');
      expect(rows[0]!.assistant_text).toBe(toDbText(reply));
      expect(rows[0]!.assistant_text!.startsWith(ESCAPED_TEXT_MARKER)).toBe(true);
      expect(fromDbText(rows[0]!.assistant_text!)).toBe(reply);
      expect(rows[0]!.user_text).toBe(customerText);
      // Memory and audit agree.
      expect(await remembered(stack, sessionId)).toEqual([
        { role: 'user', text: customerText, stopped: false },
        { role: 'assistant', text: reply, stopped: false },
      ]);

      // The next turn's prompt carries the reply (as prompt hygiene left it); the stored prompt
      // reads back as exactly what the model was sent.
      stack.model.setBehaviour({ reply: 'fine' });
      await stack.send(sessionId, 'and then?');
      const after = await auditOf(stack, sessionId);
      expect(after.deadLetters).toBe(0);
      expect(after.rows).toHaveLength(2);
      const sent = stack.model.lastRequest()!.messages.map((m) => ({ role: m.role, content: m.content }));
      expect(after.rows[1]!.prompt_messages.map((m) => ({ role: m.role, content: fromDbText(m.content) }))).toEqual(sent);
    });
  }

  it('customer text with NUL, lone surrogates and escape look-alikes: audit and memory hold the same text', async () => {
    const sessionId = await stack.newSession();
    const text = `${ESCAPED_TEXT_MARKER}order \u0000 4711 \uD800 and \uDFFF, C:\\0 \\uD83D`;
    const turn = await stack.send(sessionId, text);
    expect(turn.status).toBe(200);
    const { rows, session, deadLetters } = await auditOf(stack, sessionId);
    expect(deadLetters).toBe(0);
    expect(rows).toHaveLength(1);
    const kept = (await remembered(stack, sessionId))[0]!.text;
    // What the request stage accepted (it normalises the customer's text) is what both keep.
    expect(kept).toContain('C:\\0 \\uD83D');
    expect(fromDbText(rows[0]!.user_text)).toBe(kept);
    expect(rows[0]!.user_text).toBe(toDbText(kept));
    expect(fromDbText(session!.last_user_text!)).toBe(kept);
  });

  it('a surrogate pair split across stream chunks, stopped by the customer after the first half: one aborted row with the text memory kept', async () => {
    const sessionId = await stack.newSession();
    // One UTF-16 unit per chunk: the emoji's halves travel in two chunks, with time between them to stop.
    const reply = `ok 😀 and a long tail that the stop cuts off ${'x'.repeat(40)}`;
    stack.model.setBehaviour({ reply, splitUtf16: true, chunkSize: 1, chunkDelayMs: 150 });
    const response = await stack.post({ sessionId, text: 'smile please' });
    expect(response.status).toBe(200);
    const events = eventReader(response);
    let received = '';
    let auditId: string | null = null;
    for (let event = await events.next(); event; event = await events.next()) {
      if (event.event === 'meta') auditId = event.data.auditId;
      if (event.event !== 'delta') continue;
      received += event.data.text;
      if (received.endsWith('\uD83D')) break;
    }
    expect(received).toBe('ok \uD83D');
    const stop = await handleStop(
      new Request('http://localhost/api/chat/stop', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId, auditId }) }),
      stack.runtime,
    );
    expect(stop.status).toBe(202);
    for (let event = await events.next(); event; event = await events.next()) {
      if (event.event === 'delta') received += event.data.text;
    }
    await stack.settle();

    const memory = await remembered(stack, sessionId);
    expect(memory).toHaveLength(2);
    expect(memory[1]!.stopped).toBe(true);
    // The customer saw exactly what memory kept: everything that arrived before the stop.
    expect(memory[1]!.text).toBe(received);
    expect(received.startsWith('ok \uD83D')).toBe(true);

    const { rows, session, deadLetters } = await auditOf(stack, sessionId);
    expect(deadLetters).toBe(0);
    expect(session).toBeDefined();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('aborted');
    expect(rows[0]!.assistant_text).toBe(toDbText(received));
    expect(fromDbText(rows[0]!.assistant_text!)).toBe(memory[1]!.text);
    // A customer's Stop is not an error: the drainer leaves the session's error count alone.
    const [counted] = await stack.query<{ error_count: number }>('select error_count from sessions where id = $1', [sessionRef(sessionId)]);
    expect(counted!.error_count).toBe(0);
  });

  it('a reply whose pair is split across chunks but not stopped reaches the customer and the audit whole', async () => {
    const sessionId = await stack.newSession();
    const reply = 'pair 😀 split 🎉 twice';
    stack.model.setBehaviour({ reply, splitUtf16: true, chunkSize: 1 });
    const turn = await stack.send(sessionId, 'celebrate');
    expect(turn.reply).toBe(reply);
    const { rows, deadLetters } = await auditOf(stack, sessionId);
    expect(deadLetters).toBe(0);
    // Nothing to escape: stored as it is.
    expect(rows[0]!.assistant_text).toBe(reply);
  });
});

describe(`the admin with text the database cannot hold (${STACK} stack)`, () => {
  const stack = sharedTestStack({ AUTH_SECRET: randomBytes(32).toString('hex') });

  it('notes and flags with NUL and lone surrogates are stored, and the transcript and exports show the original text', async () => {
    const db = await database(stack);
    const agent = await makeAgent(stack, 'admin');
    const sessionId = await stack.newSession();
    const reply = 'reply \u0000 with \uD83D half';
    stack.model.setBehaviour({ reply });
    const turn = await stack.send(sessionId, 'hello');
    const ref = sessionRef(sessionId);
    const reason = 'NUL \u0000 here \uDE00';
    const body = 'note \u0000\uD800 end';
    expect((await createFlag(db, agent, { sessionId: ref, auditId: turn.meta!.auditId, reason })).kind).toBe('ok');
    expect((await addNote(db, agent, { sessionId: ref, auditId: null, body })).kind).toBe('ok');

    const transcript = await openTranscript(db, agent, ref, 'here \u0000');
    expect(transcript?.turns.map((t) => t.assistantText)).toEqual([reply]);
    expect(transcript?.flags.map((f) => f.reason)).toEqual([reason]);
    expect(transcript?.notes.map((n) => n.body)).toEqual([body]);
    // The view's access-log entry keeps the search as typed.
    const logged = await listAccessLog(db, { sessionKeys: [ref], action: 'view_session', limit: 1 });
    expect(logged.entries[0]?.detail).toMatchObject({ q: 'here \u0000' });

    const jsonl = await readAll(await exportStream(db, { kind: 'session', sessionId: ref }, { format: 'jsonl', includeNotes: true }));
    const lines = jsonl.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'session', ref, notes: [expect.objectContaining({ body })] });
    expect(lines[1]).toMatchObject({ type: 'turn', assistantText: reply, flags: [expect.objectContaining({ reason })] });
    const csv = await readAll(await exportStream(db, { kind: 'session', sessionId: ref }, { format: 'csv', includeNotes: true }));
    expect(csv).toContain('reply \u0000 with');
    expect(csv).not.toContain(ESCAPED_TEXT_MARKER);
  });

  it('a search for NUL or a lone surrogate (q=%00) answers, on the list and in exports', async () => {
    const db = await database(stack);
    for (const q of ['\u0000', 'a\u0000b', '\uD83D', 'parcel \u0000']) {
      const filters = parseListFilters({ q });
      const page = await listSessions(db, filters);
      expect(Array.isArray(page.rows)).toBe(true);
      const csv = await readAll(await exportStream(db, { kind: 'list', filters }, { format: 'csv', includeNotes: false }));
      expect(csv.split('\n')[0]).toContain('session_ref');
    }
  });
});

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

/** Reads SSE events one at a time from a live response, so the test can stop mid-stream. */
function eventReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const sse = new SseDecoder();
  const queue: ChatEvent[] = [];
  return {
    async next(): Promise<ChatEvent | null> {
      while (queue.length === 0) {
        const { done, value } = await reader.read();
        if (done) return null;
        for (const raw of sse.push(decoder.decode(value, { stream: true }))) {
          const event = toChatEvent(raw);
          if (event) queue.push(event);
        }
      }
      return queue.shift()!;
    },
  };
}
