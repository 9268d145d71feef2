import { describe, expect, it } from 'vitest';
import { chatReducer, initialChatState, turnText, type ChatAction, type ChatState } from '@/components/chat/chat-state';

const AT = '2030-01-01T10:00:00.000Z';

function run(actions: ChatAction[], state: ChatState = initialChatState): ChatState {
  return actions.reduce(chatReducer, state);
}

describe('chatReducer', () => {
  it('starts a turn with the user message and a streaming reply', () => {
    const state = run([{ type: 'turnStarted', turnId: 't1', text: 'Hi', at: AT }]);
    expect(state.live.map((e) => e.kind)).toEqual(['user', 'assistant']);
    expect(state.live[1]).toMatchObject({ status: 'streaming', text: '' });
  });

  it('streams deltas and lets done reconcile the text', () => {
    const state = run([
      { type: 'turnStarted', turnId: 't1', text: 'Hi', at: AT },
      { type: 'delta', turnId: 't1', text: 'Hel' },
      { type: 'delta', turnId: 't1', text: 'lo' },
    ]);
    expect(state.live[1]).toMatchObject({ text: 'Hello', status: 'streaming' });
    const done = chatReducer(state, { type: 'done', turnId: 't1', reply: 'Hello!', remembered: false, at: AT });
    expect(done.live[1]).toMatchObject({ text: 'Hello!', status: 'done', remembered: false });
  });

  it('places a turn notice just above its reply, once, even when the turn is retried', () => {
    const state = run([
      { type: 'turnStarted', turnId: 't1', text: 'Hi', at: AT },
      { type: 'turnNotice', turnId: 't1', key: 'memory', text: 'Starting fresh.' },
      { type: 'failed', turnId: 't1', message: 'Offline.' },
      { type: 'turnRestarted', turnId: 't1' },
      { type: 'turnNotice', turnId: 't1', key: 'memory', text: 'Starting fresh.' },
    ]);
    expect(state.live.map((e) => e.kind)).toEqual(['user', 'notice', 'assistant']);
    expect(state.live[2]).toMatchObject({ status: 'streaming', error: null, text: '' });
  });

  it('does not repeat on the first turn a memory notice the customer already saw on load', () => {
    const expired = 'Your earlier conversation is no longer available.';
    const state = run([
      { type: 'restored', messages: [], notice: expired },
      { type: 'turnStarted', turnId: 't1', text: 'Hi again', at: AT },
      { type: 'turnNotice', turnId: 't1', key: 'memory', text: expired },
    ]);
    expect(state.restored.filter((e) => e.kind === 'notice')).toHaveLength(1);
    expect(state.live.map((e) => e.kind)).toEqual(['user', 'assistant']);
    // A later turn that hits the same condition again is news, and is shown.
    const later = run(
      [
        { type: 'done', turnId: 't1', reply: 'Hello', remembered: true, at: AT },
        { type: 'turnStarted', turnId: 't2', text: 'Still there?', at: AT },
        { type: 'turnNotice', turnId: 't2', key: 'memory', text: expired },
      ],
      state,
    );
    expect(later.live.map((e) => e.kind)).toEqual(['user', 'assistant', 'user', 'notice', 'assistant']);
  });

  it('replaces restored history instead of appending to it', () => {
    const messages = [{ role: 'user' as const, text: 'Earlier', at: AT, auditId: 'a' }];
    const state = run([
      { type: 'turnStarted', turnId: 't1', text: 'Now', at: AT },
      { type: 'restored', messages, notice: null },
      { type: 'restored', messages, notice: 'We could not load everything.' },
    ]);
    expect(state.restored.map((e) => e.kind)).toEqual(['user', 'notice']);
    expect(state.live).toHaveLength(2);
  });

  it('remembers the text of a turn for a retry', () => {
    const state = run([{ type: 'turnStarted', turnId: 't1', text: 'Where is my order?', at: AT }]);
    expect(turnText(state, 't1')).toBe('Where is my order?');
    expect(turnText(state, 'unknown')).toBeNull();
  });
});

describe('chatReducer: stop, feedback, sync, resume', () => {
  const started: ChatAction[] = [
    { type: 'turnStarted', turnId: 't1', text: 'Hi', at: AT },
    { type: 'meta', turnId: 't1', auditId: 'a1' },
    { type: 'delta', turnId: 't1', text: 'Partial' },
  ];

  it('a stopped reply keeps its partial text and is marked stopped', () => {
    const state = run([...started, { type: 'stopped', turnId: 't1' }]);
    expect(state.live[1]).toMatchObject({ status: 'stopped', text: 'Partial', auditId: 'a1' });
  });

  it('a rating lands on the reply with that audit id, and survives a sync from the server', () => {
    const rated = run([...started, { type: 'done', turnId: 't1', reply: 'Full', remembered: true, at: AT }, { type: 'rated', auditId: 'a1', rating: 'up' }]);
    expect(rated.live[1]).toMatchObject({ rating: 'up' });
    const synced = chatReducer(rated, {
      type: 'synced',
      notice: null,
      messages: [
        { role: 'user', text: 'Hi', at: AT, auditId: 'a1' },
        { role: 'assistant', text: 'Full', at: AT, auditId: 'a1' },
      ],
    });
    // The page's own copy gives way to the server's, without duplicates.
    expect(synced.live).toHaveLength(0);
    expect(synced.restored.map((e) => e.kind)).toEqual(['user', 'assistant']);
    expect(synced.restored[1]).toMatchObject({ rating: 'up', auditId: 'a1' });
  });

  it('a sync keeps turns the server does not hold yet (still streaming or failed)', () => {
    const synced = chatReducer(run(started), { type: 'synced', messages: [], notice: null });
    expect(synced.live.map((e) => e.kind)).toEqual(['user', 'assistant']);
  });

  it('a resumed reply shows the question and the text so far, streaming, once', () => {
    const resumed: ChatAction = { type: 'resumed', turnId: 'r1', auditId: 'a9', userText: 'Q', at: AT, text: 'So far' };
    const state = run([resumed, resumed]);
    expect(state.live).toHaveLength(2);
    expect(state.live[1]).toMatchObject({ status: 'streaming', text: 'So far', auditId: 'a9' });
  });

  it('a new conversation clears everything but its notice', () => {
    const state = run([...started, { type: 'reset', id: 'x', notice: 'New conversation.' }]);
    expect(state.restored).toEqual([]);
    expect(state.live).toEqual([{ kind: 'notice', id: 'reset:x', text: 'New conversation.' }]);
  });
});

describe('chatReducer: a resume that could not be followed', () => {
  it('drops the resumed entries instead of leaving a reply streaming forever', () => {
    const state = run([
      { type: 'turnStarted', turnId: 'mine', text: 'Hi', at: AT },
      { type: 'resumed', turnId: 'r1', auditId: 'a9', userText: 'Q', at: AT, text: '' },
      { type: 'dropped', turnId: 'r1' },
    ]);
    expect(state.live.map((e) => e.turnId)).toEqual(['mine', 'mine']);
  });
});
