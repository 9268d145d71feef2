import { describe, expect, it, vi } from 'vitest';
import { STRINGS } from '@/lib/copy/strings';
import {
  chatReducer,
  initialChatState,
  type AssistantEntry,
  type ChatAction,
  type ChatState,
} from '@/components/chat/chat-state';
import { ChatApiError, type TurnEvent } from '@/components/chat/session-client';
import type { TabMessage } from '@/components/chat/tab-news';
import { newMessageId, TurnRunner, type TurnApi } from '@/components/chat/turn-runner';

const strings = STRINGS.en;

const meta = (auditId: string): TurnEvent => ({
  event: 'meta',
  data: { auditId, memory: 'ok', notice: null, replay: false },
});
const delta = (text: string): TurnEvent => ({ event: 'delta', data: { text } });
const done = (auditId: string, reply: string, stopped = false): TurnEvent => ({
  event: 'done',
  data: { auditId, reply, remembered: true, ...(stopped ? { stopped: true } : {}) },
});

/** A stream the test feeds by hand; it ends with an AbortError when its signal is aborted, as fetch does. */
function manualStream(signal?: AbortSignal) {
  const queue: (TurnEvent | 'end')[] = [];
  let wake: () => void = () => undefined;
  signal?.addEventListener('abort', () => wake());
  async function* events(): AsyncGenerator<TurnEvent> {
    for (;;) {
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      const next = queue.shift();
      if (next === 'end') return;
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
  return {
    events: events(),
    push: (event: TurnEvent | 'end') => {
      queue.push(event);
      wake();
    },
  };
}

async function* fixed(events: TurnEvent[], error?: Error): AsyncGenerator<TurnEvent> {
  for (const event of events) yield event;
  if (error) throw error;
}

function harness(api: Partial<TurnApi>, sessionIds = ['s1', 's2']) {
  let state: ChatState = initialChatState;
  const told: TabMessage[] = [];
  const connection = { reached: vi.fn(), unreachable: vi.fn() };
  const ids = [...sessionIds];
  const dispatch = (action: ChatAction) => {
    state = chatReducer(state, action);
  };
  const runner = new TurnRunner({
    dispatch,
    sessionId: async () => ids[0] ?? 'none',
    forgetSession: async () => {
      ids.shift();
    },
    connection,
    tell: (message) => told.push(message),
    api: {
      send: api.send ?? (() => fixed([])),
      resume: api.resume ?? (() => fixed([])),
      stop: api.stop ?? (async () => true),
    },
  });
  /** What the customer sees of the reply to `turnId`. */
  const reply = (turnId: string): AssistantEntry | undefined =>
    state.live.find((e): e is AssistantEntry => e.kind === 'assistant' && e.turnId === turnId);
  const sendTurn = (turnId: string, text: string) => {
    dispatch({ type: 'turnStarted', turnId, text, at: '2030-01-01T00:00:00.000Z' });
    return runner.send(turnId, text, strings);
  };
  return { runner, state: () => state, told, connection, reply, sendTurn };
}

describe('TurnRunner: sending', () => {
  it('streams the reply into the conversation, and other tabs hear the turn start and finish', async () => {
    const send = vi.fn(() => fixed([meta('a1'), delta('Hel'), delta('lo'), done('a1', 'Hello')]));
    const h = harness({ send });
    await h.sendTurn('t1', 'Hi');
    expect(send).toHaveBeenCalledWith({ sessionId: 's1', text: 'Hi', messageId: 't1' }, expect.any(AbortSignal));
    expect(h.reply('t1')).toMatchObject({ text: 'Hello', status: 'done', auditId: 'a1' });
    expect(h.told).toEqual([
      { type: 'started', sessionId: 's1', live: expect.objectContaining({ auditId: 'a1', userText: 'Hi', text: '' }) },
      { type: 'finished', sessionId: 's1' },
    ]);
    expect(h.connection.reached).toHaveBeenCalled();
    expect(h.runner.busy).toBe(false);
  });

  it('a session the server forgot: the same message goes once to a new session, under a notice', async () => {
    const send = vi.fn(({ sessionId }: { sessionId: string }) =>
      sessionId === 's1'
        ? fixed([], new ChatApiError('invalid_session', 'Unknown session.', 401))
        : fixed([meta('a2'), done('a2', 'Welcome back')]),
    );
    const h = harness({ send });
    await h.sendTurn('t1', 'Hi');
    expect(send.mock.calls.map(([body]) => body)).toEqual([
      { sessionId: 's1', text: 'Hi', messageId: 't1' },
      { sessionId: 's2', text: 'Hi', messageId: 't1' },
    ]);
    expect(h.state().live.map((e) => (e.kind === 'notice' ? e.text : e.kind))).toEqual([
      'user',
      strings.errors.sessionReplaced,
      'assistant',
    ]);
    expect(h.reply('t1')).toMatchObject({ text: 'Welcome back', status: 'done' });
  });

  it('a second unknown session in the same send is an error, not a loop', async () => {
    let calls = 0;
    // A third try would get through: only a runner that renews once leaves the error on screen.
    const send = vi.fn(() =>
      ++calls > 2
        ? fixed([meta('a3'), done('a3', 'Hello')])
        : fixed([], new ChatApiError('invalid_session', 'Unknown session.', 401)),
    );
    const h = harness({ send }, ['s1', 's2', 's3']);
    await h.sendTurn('t1', 'Hi');
    expect(send).toHaveBeenCalledTimes(2);
    expect(h.reply('t1')).toMatchObject({ status: 'error', error: 'Unknown session.' });
  });

  it('rate limited: the reply says so and when sending is possible again', async () => {
    const h = harness({ send: () => fixed([], new ChatApiError('rate_limited', 'Slow down.', 429, 30)) });
    const before = Date.now();
    await h.sendTurn('t1', 'Hi');
    const reply = h.reply('t1');
    expect(reply).toMatchObject({ status: 'error', error: 'Slow down.' });
    expect(reply?.retryAt).toBeGreaterThanOrEqual(before + 30_000);
    expect(reply?.retryAt).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it('an identity Tether refused asks the customer to sign in again', async () => {
    const h = harness({ send: () => fixed([], new ChatApiError('identity_expired', 'Token expired.', 401)) });
    await h.sendTurn('t1', 'Hi');
    expect(h.reply('t1')).toMatchObject({ status: 'error', error: strings.signInAgain, retryAt: null });
  });

  it('no answer: the header says reconnecting; an unexpected failure says something went wrong', async () => {
    const offline = harness({ send: () => fixed([], new ChatApiError('network_error', 'Unreachable.', 0)) });
    await offline.sendTurn('t1', 'Hi');
    expect(offline.connection.unreachable).toHaveBeenCalledTimes(1);
    expect(offline.reply('t1')).toMatchObject({ status: 'error', error: 'Unreachable.' });

    const bug = harness({ send: () => fixed([], new TypeError('oops')) });
    await bug.sendTurn('t1', 'Hi');
    expect(bug.connection.unreachable).not.toHaveBeenCalled();
    expect(bug.reply('t1')).toMatchObject({ status: 'error', error: strings.errors.server });
  });

  it('message ids are UUIDs, fresh for every turn', () => {
    const a = newMessageId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newMessageId()).not.toBe(a);
  });
});

describe('TurnRunner: stop', () => {
  it('a Stop pressed before the turn has an id is sent once the meta event names it; the server ends the reply', async () => {
    let stream: ReturnType<typeof manualStream> | null = null;
    const stop = vi.fn(async () => {
      stream?.push(done('a1', 'Hel', true));
      stream?.push('end');
      return true;
    });
    const h = harness({
      send: (_body, signal) => {
        stream = manualStream(signal);
        return stream.events;
      },
      stop,
    });
    const sending = h.sendTurn('t1', 'Hi');
    await vi.waitFor(() => expect(stream).not.toBeNull());
    h.runner.stop();
    expect(stop).not.toHaveBeenCalled();
    stream!.push(meta('a1'));
    stream!.push(delta('Hel'));
    await sending;
    expect(stop).toHaveBeenCalledTimes(1);
    expect(stop).toHaveBeenCalledWith('s1', 'a1');
    expect(h.reply('t1')).toMatchObject({ text: 'Hel', status: 'stopped' });
  });

  it('a reply the server is no longer running (another instance, already over): this page stops listening', async () => {
    let signal: AbortSignal | undefined;
    const h = harness({
      send: (_body, s) => {
        signal = s;
        const stream = manualStream(s);
        stream.push(meta('a1'));
        stream.push(delta('Partial'));
        return stream.events;
      },
      stop: async () => false,
    });
    const sending = h.sendTurn('t1', 'Hi');
    await vi.waitFor(() => expect(h.reply('t1')?.text).toBe('Partial'));
    h.runner.stop();
    h.runner.stop(); // pressed twice: asked once
    await sending;
    expect(signal?.aborted).toBe(true);
    expect(h.reply('t1')).toMatchObject({ text: 'Partial', status: 'stopped' });
    expect(h.runner.busy).toBe(false);
  });

  it('another conversation on screen: the running turn is abandoned without a trace', async () => {
    let signal: AbortSignal | undefined;
    const h = harness({
      send: (_body, s) => {
        signal = s;
        return manualStream(s).events;
      },
    });
    const sending = h.sendTurn('t1', 'Hi');
    await vi.waitFor(() => expect(signal).toBeDefined());
    expect(h.runner.busy).toBe(true);
    h.runner.abandon();
    expect(h.runner.busy).toBe(false);
    await sending;
    expect(signal?.aborted).toBe(true);
    expect(h.reply('t1')?.status).toBe('streaming'); // the reset that comes with a switch removes it
  });
});

describe('TurnRunner: following a reply being written', () => {
  const live = { auditId: 'a9', userText: 'Where is my order?', at: '2030-01-01T00:00:00.000Z', text: 'It is on' };

  it('shows the question and the text so far, then replaces it by the replay from the start', async () => {
    const resume = vi.fn(() =>
      fixed([
        { ...meta('a9'), data: { ...meta('a9').data, replay: true } } as TurnEvent,
        delta('It is on its '),
        delta('way.'),
        done('a9', 'It is on its way.'),
      ]),
    );
    const h = harness({ resume });
    expect(await h.runner.resume('s1', live)).toBe(true);
    expect(resume).toHaveBeenCalledWith('s1', 'a9', expect.any(AbortSignal));
    expect(h.state().live.map((e) => (e.kind === 'notice' ? e.text : `${e.kind}:${e.text}`))).toEqual([
      'user:Where is my order?',
      'assistant:It is on its way.',
    ]);
    expect(h.reply('resume:a9')).toMatchObject({ status: 'done', auditId: 'a9' });
    // A replay is not news for the other tabs.
    expect(h.told).toEqual([]);
  });

  it('a reply that can no longer be followed is dropped (the history says how it ended)', async () => {
    const h = harness({ resume: () => fixed([], new ChatApiError('resume_lost', 'Gone.', 404)) });
    expect(await h.runner.resume('s1', live)).toBe(true);
    expect(h.state().live).toEqual([]);
  });

  it('a reply stopped elsewhere shows as stopped; a server error shows its message', async () => {
    const stopped = harness({
      resume: () => fixed([delta('It is')], new ChatApiError('model_aborted', 'Stopped.', 200)),
    });
    await stopped.runner.resume('s1', live);
    expect(stopped.reply('resume:a9')).toMatchObject({ status: 'stopped', text: 'It is' });

    const failed = harness({ resume: () => fixed([], new ChatApiError('internal_error', 'Broken.', 500)) });
    await failed.runner.resume('s1', live);
    expect(failed.reply('resume:a9')).toMatchObject({ status: 'error', error: 'Broken.' });
  });

  it('while a turn of this page runs, nothing else is followed', async () => {
    const resume = vi.fn(() => fixed([]));
    const h = harness({ send: (_body, s) => manualStream(s).events, resume });
    void h.sendTurn('t1', 'Hi');
    await vi.waitFor(() => expect(h.runner.busy).toBe(true));
    expect(await h.runner.resume('s1', live)).toBe(false);
    expect(resume).not.toHaveBeenCalled();
    h.runner.abandon();
  });
});
