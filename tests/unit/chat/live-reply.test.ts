import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '@/lib/chat/events';
import { createLiveReplyTee, LiveReplyHub, type TeeTimers } from '@/lib/chat/live-reply';
import { decodeLive, encodeLive, type LiveReply, type LiveReplyStore } from '@/lib/conversation/live-reply';
import { LocalLiveReplyStore } from '@/lib/conversation/local/live-reply';
import { tailLiveReply } from '@/lib/chat/resume';

const AUDIT = '0190a000-0000-7000-8000-000000000001';

/** Records every store call, on top of a real local store. */
function recordingStore() {
  const inner = new LocalLiveReplyStore();
  const calls: string[] = [];
  const store: LiveReplyStore = {
    write: async (id, reply, ttl) => {
      calls.push(`write:${reply.status}:${reply.text}`);
      await inner.write(id, reply, ttl);
    },
    append: async (id, text, ttl) => {
      calls.push(`append:${text}`);
      await inner.append(id, text, ttl);
    },
    read: (id) => inner.read(id),
  };
  return { store, calls };
}

function manualTimers() {
  const due: Array<() => void> = [];
  const timers: TeeTimers = { setTimeout: (fn) => (due.push(fn), due.length), clearTimeout: () => due.splice(0) };
  return { timers, fire: () => due.splice(0).forEach((fn) => fn()) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const meta: ChatEvent = { event: 'meta', data: { auditId: AUDIT, memory: 'ok', notice: null, replay: false } };
const delta = (text: string): ChatEvent => ({ event: 'delta', data: { text } });

describe('live reply buffer', () => {
  it('round-trips its header and text, including newlines and joiners', () => {
    const reply: LiveReply = { auditId: AUDIT, userText: 'a\nb', at: 'now', status: 'streaming', text: 'x\n👨\u200D👩\u200D👧' };
    expect(decodeLive(encodeLive(reply))).toEqual(reply);
    expect(decodeLive('garbage')).toBeNull();
  });

  it('a reply that ends before the first flush costs no store call at all', async () => {
    const { store, calls } = recordingStore();
    const { timers } = manualTimers();
    const tee = createLiveReplyTee(new LiveReplyHub(store), 's', 'hi', { timers });
    tee(meta);
    tee(delta('Hello'));
    tee({ event: 'done', data: { auditId: AUDIT, reply: 'Hello', remembered: true } });
    await settle();
    expect(calls).toEqual([]);
  });

  it('batches deltas: one write, then appends per interval, then the final state', async () => {
    const { store, calls } = recordingStore();
    const { timers, fire } = manualTimers();
    const tee = createLiveReplyTee(new LiveReplyHub(store), 's', 'hi', { timers });
    tee(meta);
    tee(delta('Hel'));
    tee(delta('lo'));
    fire();
    tee(delta(' wor'));
    tee(delta('ld'));
    fire();
    await settle();
    expect(await store.read('s')).toMatchObject({ status: 'streaming', text: 'Hello world', userText: 'hi' });
    tee({ event: 'done', data: { auditId: AUDIT, reply: 'Hello world!', remembered: true } });
    await settle();
    expect(calls).toEqual(['write:streaming:Hello', 'append: world', 'write:done:Hello world!']);
  });

  it('a resume replays the text so far, tails new text and ends with done', async () => {
    const store = new LocalLiveReplyStore();
    await store.write('s', { auditId: AUDIT, userText: 'q', at: 'now', status: 'streaming', text: 'Part one' }, 60);
    let polls = 0;
    const sleep = async () => {
      polls += 1;
      if (polls === 1) await store.append('s', ', part two', 60);
      if (polls === 2) await store.write('s', { auditId: AUDIT, userText: 'q', at: 'now', status: 'done', text: 'Part one, part two.' }, 20);
    };
    const events: ChatEvent[] = [];
    for await (const event of tailLiveReply(new LiveReplyHub(store), 's', AUDIT, { pollMs: 1, maxMs: 10_000, sleep })) events.push(event);
    expect(events.map((e) => e.event)).toEqual(['meta', 'delta', 'delta', 'delta', 'done']);
    expect(events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text).join('')).toBe('Part one, part two.');
  });

  it('a resume of an unknown or vanished reply says so instead of hanging', async () => {
    const events: ChatEvent[] = [];
    for await (const event of tailLiveReply(new LiveReplyHub(new LocalLiveReplyStore()), 's', AUDIT, { pollMs: 1, maxMs: 1000 })) events.push(event);
    expect(events).toEqual([{ event: 'error', data: expect.objectContaining({ code: 'resume_lost' }) }]);
  });
});
