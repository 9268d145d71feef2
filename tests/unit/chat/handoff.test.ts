import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  chatReducer,
  entriesOf,
  initialChatState,
  type ChatAction,
  type ChatState,
  type ShownEntry,
} from '@/components/chat/chat-state';
import { ChatApiError, loadMessages, requestHandoff, waitForUpdates, type TurnEvent } from '@/components/chat/session-client';
import { TurnRunner } from '@/components/chat/turn-runner';
import { backoffMs, MAX_BACKOFF_MS, UpdatesLoop } from '@/components/chat/updates-loop';
import type { ConversationView, RememberedMessage } from '@/lib/chat/events';
import { STRINGS } from '@/lib/copy/strings';

/** The customer's side of a person stepping in (issue 20): state, the turn runner, the wait for news. */

const AT = '2030-01-01T10:00:00.000Z';
const user = (text: string, auditId: string): RememberedMessage => ({ role: 'user', text, at: AT, auditId });
const assistant = (text: string, auditId: string): RememberedMessage => ({ role: 'assistant', text, at: AT, auditId });
const agent = (text: string, auditId: string, agentName = 'Ana'): RememberedMessage => ({
  role: 'agent',
  agentName,
  text,
  at: AT,
  auditId,
});

function run(actions: ChatAction[], state: ChatState = initialChatState): ChatState {
  return actions.reduce(chatReducer, state);
}

/** What the conversation shows, one line per entry. */
function shown(state: ChatState): string[] {
  return entriesOf(state).map((e: ShownEntry) => {
    switch (e.kind) {
      case 'state':
        return `state:${e.change}${e.agentName ? `:${e.agentName}` : ''}`;
      case 'agent':
        return `agent(${e.agentName}):${e.text}`;
      case 'assistant':
        return `assistant:${e.text}`;
      case 'user':
        return `user:${e.text}`;
      case 'notice':
        return `notice:${e.text}`;
    }
  });
}

const waiting = { state: 'waiting' as const, agentName: null };
const withAna = { state: 'agent' as const, agentName: 'Ana' };
const back = { state: 'assistant' as const, agentName: null };

describe('chat state: a person steps in', () => {
  it('shows a held message as sent, with no reply bubble, and keeps it once when the history holds it', () => {
    const sent = run([
      { type: 'handoff', conversation: waiting, notice: 'Someone will be with you shortly.' },
      { type: 'turnStarted', turnId: 't1', text: 'Are you there?', at: AT },
      { type: 'meta', turnId: 't1', auditId: 'a1' },
      { type: 'held', turnId: 't1', auditId: 'a1' },
    ]);
    expect(shown(sent)).toEqual(['user:Are you there?']);
    expect(sent.handoffNotice).toBe('Someone will be with you shortly.');

    const synced = chatReducer(sent, {
      type: 'synced',
      messages: [user('Are you there?', 'a1')],
      notice: null,
      conversation: { ...waiting, version: 1 },
    });
    expect(shown(synced)).toEqual(['user:Are you there?']);
  });

  it('shows an agent by name, and says when they joined and when the assistant is back, in place', () => {
    const loaded = run([
      { type: 'restored', messages: [user('Help', 'a1'), assistant('Sure', 'a1')], notice: null, conversation: { ...back, version: 0 } },
      { type: 'handoff', conversation: waiting, notice: 'A person will answer.' },
    ]);
    const joined = chatReducer(loaded, {
      type: 'synced',
      messages: [user('Help', 'a1'), assistant('Sure', 'a1')],
      notice: null,
      conversation: { ...withAna, version: 2 },
    });
    const wrote = chatReducer(joined, {
      type: 'synced',
      messages: [user('Help', 'a1'), assistant('Sure', 'a1'), agent('Hello, Ana here.', 'g1')],
      notice: null,
      conversation: { ...withAna, version: 3 },
    });
    const handedBack = chatReducer(wrote, {
      type: 'synced',
      messages: [user('Help', 'a1'), assistant('Sure', 'a1'), agent('Hello, Ana here.', 'g1')],
      notice: null,
      conversation: { ...back, version: 4 },
    });
    expect(shown(handedBack)).toEqual([
      'user:Help',
      'assistant:Sure',
      'state:joined:Ana',
      'agent(Ana):Hello, Ana here.',
      'state:handedBack',
    ]);
    // The handover words were for the wait; the assistant answering again ends them.
    expect(wrote.handoffNotice).toBe('A person will answer.');
    expect(handedBack.handoffNotice).toBeNull();
    expect(handedBack.conversation).toEqual({ ...back, version: 4 });
  });

  it('does not announce the state a page finds on load, nor the same state twice', () => {
    const loaded = run([
      { type: 'restored', messages: [agent('Still here', 'g1')], notice: null, conversation: { ...withAna, version: 5 } },
      { type: 'synced', messages: [agent('Still here', 'g1')], notice: null, conversation: { ...withAna, version: 5 } },
      { type: 'conversation', conversation: withAna },
    ]);
    expect(shown(loaded)).toEqual(['agent(Ana):Still here']);
    expect(loaded.conversation?.version).toBe(5);
  });

  it('says a resolved conversation is resolved, and a new conversation forgets it all', () => {
    const resolved = run([
      { type: 'restored', messages: [], notice: null, conversation: { ...withAna, version: 1 } },
      { type: 'synced', messages: [], notice: null, conversation: { state: 'resolved', agentName: null, version: 2 } },
    ]);
    expect(shown(resolved)).toEqual(['state:resolved']);
    const reset = chatReducer(resolved, { type: 'reset', id: '1', notice: null });
    expect(reset.conversation).toBeNull();
    expect(shown(reset)).toEqual([]);
  });
});

describe('TurnRunner: messages that go to a person', () => {
  function harness(events: TurnEvent[]) {
    let state: ChatState = initialChatState;
    const dispatch = (action: ChatAction) => {
      state = chatReducer(state, action);
    };
    async function* fixed(): AsyncGenerator<TurnEvent> {
      for (const event of events) yield event;
    }
    const runner = new TurnRunner({
      dispatch,
      sessionId: async () => 's1',
      forgetSession: async () => undefined,
      connection: { reached: vi.fn(), unreachable: vi.fn() },
      tell: () => undefined,
      api: { send: () => fixed(), resume: () => fixed(), stop: async () => true },
    });
    const send = async (text: string) => {
      dispatch({ type: 'turnStarted', turnId: 't1', text, at: AT });
      return runner.send('t1', text, STRINGS.en);
    };
    return { send, state: () => state, runner };
  }

  it('a held message leaves no empty reply and no busy composer, and says who has it', async () => {
    const h = harness([
      { event: 'meta', data: { auditId: 'a1', memory: 'ok', notice: null, replay: false, conversation: withAna } },
      { event: 'done', data: { auditId: 'a1', reply: '', remembered: true, held: true } },
    ]);
    expect(await h.send('Thanks Ana')).toBe(true);
    expect(shown(h.state())).toEqual(['user:Thanks Ana']);
    expect(h.state().live.some((e) => e.kind === 'assistant')).toBe(false);
    expect(h.state().conversation).toMatchObject(withAna);
    expect(h.runner.busy).toBe(false);
  });

  it('the model asking for a person: its words stay, and the notice is shown', async () => {
    const h = harness([
      { event: 'meta', data: { auditId: 'a1', memory: 'ok', notice: null, replay: false } },
      { event: 'delta', data: { text: 'Let me get a colleague.' } },
      { event: 'handoff', data: { conversation: waiting, notice: 'Nobody is online right now.' } },
      { event: 'done', data: { auditId: 'a1', reply: 'Let me get a colleague.', remembered: true } },
    ]);
    expect(await h.send('I want a refund')).toBe(false);
    expect(shown(h.state())).toEqual(['user:I want a refund', 'assistant:Let me get a colleague.']);
    expect(h.state().conversation).toMatchObject(waiting);
    expect(h.state().handoffNotice).toBe('Nobody is online right now.');
  });
});

describe('UpdatesLoop', () => {
  const news = (version: number, conversation: ConversationView = withAna) => ({ version, conversation });

  it('reloads when the version moves, and stops after the reload that hands the conversation back', async () => {
    const answers = [news(3), news(3), news(4), news(5, back)];
    const wait = vi.fn(async () => answers.shift() ?? news(99));
    const onNews = vi.fn(async () => undefined);
    const loop = new UpdatesLoop({ wait, onNews });
    loop.start('s1', 2);
    await vi.waitFor(() => expect(loop.active).toBe(false));
    expect(wait.mock.calls.map((call) => (call as unknown[])[1])).toEqual([2, 3, 3, 4]);
    // Moved 2→3, 3→4, 4→5: three reloads; the unchanged answer reloads nothing.
    expect(onNews).toHaveBeenCalledTimes(3);
  });

  it('runs at most one loop: a second start for the same conversation is ignored, another one replaces it', async () => {
    const signals: AbortSignal[] = [];
    const wait = vi.fn(
      (_id: string, _after: number, signal?: AbortSignal) =>
        new Promise<ReturnType<typeof news>>((_resolve, reject) => {
          if (signal) signals.push(signal);
          signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const loop = new UpdatesLoop({ wait, onNews: async () => undefined });
    loop.start('s1', 0);
    loop.start('s1', 0);
    expect(wait).toHaveBeenCalledTimes(1);
    loop.start('s2', 0);
    expect(wait).toHaveBeenCalledTimes(2);
    expect(signals[0]?.aborted).toBe(true);
    loop.stop();
    expect(signals[1]?.aborted).toBe(true);
    expect(loop.active).toBe(false);
  });

  it('backs off on errors (longer each time, the server’s Retry-After when longer), and ends for an unknown session', async () => {
    const failures = [
      new ChatApiError('network_error', 'down', 0),
      new ChatApiError('rate_limited', 'slow down', 429, 7),
      new ChatApiError('invalid_session', 'gone', 404),
    ];
    const wait = vi.fn(async () => {
      throw failures.shift();
    });
    const sleeps: number[] = [];
    const loop = new UpdatesLoop({
      wait,
      onNews: async () => undefined,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    loop.start('s1', 0);
    await vi.waitFor(() => expect(loop.active).toBe(false));
    expect(sleeps).toEqual([1000, 7000]);
    expect(wait).toHaveBeenCalledTimes(3);
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n))).toEqual([1000, 2000, 4000, 8000, MAX_BACKOFF_MS]);
  });
});

describe('session client: the handoff calls', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reads agents’ messages and who answers from the history (a made-up role is still refused)', async () => {
    const body = {
      sessionId: 's1',
      memory: 'ok',
      notice: null,
      messages: [user('Hi', 'a1'), agent('Hello, Ana here.', 'g1')],
      conversation: { state: 'agent', agentName: 'Ana', version: 3 },
      live: null,
    };
    vi.stubGlobal('fetch', vi.fn(async () => Response.json(body)));
    expect(await loadMessages('s1')).toEqual(body);
    vi.stubGlobal('fetch', vi.fn(async () => Response.json({ ...body, messages: [{ ...agent('x', 'g1'), role: 'system' }] })));
    await expect(loadMessages('s1')).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('asks for a person and waits for news with the id in the body', async () => {
    const fetchMock = vi.fn(async (url: string) =>
      url === '/api/chat/handoff'
        ? Response.json({ conversation: waiting, notice: 'Hold on.', agentsOnline: true })
        : Response.json({ version: 4, conversation: withAna }),
    );
    vi.stubGlobal('fetch', fetchMock);
    expect(await requestHandoff('s1')).toEqual({ conversation: waiting, notice: 'Hold on.' });
    expect(await waitForUpdates('s1', 3)).toEqual({ version: 4, conversation: withAna });
    expect(fetchMock).toHaveBeenLastCalledWith(
      '/api/session/updates',
      expect.objectContaining({ method: 'POST', body: JSON.stringify({ sessionId: 's1', after: 3 }) }),
    );
  });

  it('a 503 from the handoff keeps the server’s words', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        Response.json(
          { error: { code: 'memory_unavailable', message: 'We could not reach a person just now.' } },
          { status: 503, headers: { 'retry-after': '2' } },
        ),
      ),
    );
    await expect(requestHandoff('s1')).rejects.toMatchObject({ code: 'memory_unavailable', retryAfterSec: 2 });
  });
});
