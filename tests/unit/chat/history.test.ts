import { describe, expect, it, vi } from 'vitest';
import type { MessagesResponse } from '@/lib/chat/events';
import { STRINGS } from '@/lib/copy/strings';
import { chatReducer, initialChatState, type ChatAction, type ChatState } from '@/components/chat/chat-state';
import { showConversation, syncConversation } from '@/components/chat/history';
import { ChatApiError } from '@/components/chat/session-client';

const strings = STRINGS.en;
const AT = '2030-01-01T00:00:00.000Z';

function history(overrides: Partial<MessagesResponse> = {}): MessagesResponse {
  return {
    sessionId: 's1',
    memory: 'ok',
    notice: null,
    messages: [
      { role: 'user', text: 'Hi', at: AT, auditId: 'a1' },
      { role: 'assistant', text: 'Hello', at: AT, auditId: 'a1', rating: 'up' },
    ],
    ...overrides,
  };
}

function harness(load: (id: string, signal?: AbortSignal) => Promise<MessagesResponse>) {
  let state: ChatState = initialChatState;
  const dispatch = (action: ChatAction) => {
    state = chatReducer(state, action);
  };
  const connection = { reached: vi.fn(), unreachable: vi.fn() };
  const session = { forget: vi.fn(), current: vi.fn(async () => 's-new') };
  const follow = vi.fn();
  const texts = () => [...state.restored, ...state.live].map((e) => e.text);
  return { deps: { dispatch, connection, load }, session, follow, texts, state: () => state };
}

const options = (follow: () => void, replaceRejected = true) => ({
  strings,
  follow,
  signal: new AbortController().signal,
  replaceRejected,
});

describe('showing a stored conversation', () => {
  it('shows what the server remembers, ratings included, and keeps the id', async () => {
    const h = harness(async () => history());
    expect(await showConversation(h.deps, h.session, 's1', options(h.follow))).toBe('s1');
    expect(h.texts()).toEqual(['Hi', 'Hello']);
    expect(h.state().restored[1]).toMatchObject({ rating: 'up' });
    expect(h.follow).not.toHaveBeenCalled();
  });

  it('a reply still being written when the page went away is followed', async () => {
    const live = { auditId: 'a2', userText: 'More?', at: AT, text: 'Su' };
    const h = harness(async () => history({ live }));
    await showConversation(h.deps, h.session, 's1', options(h.follow));
    await vi.waitFor(() => expect(h.follow).toHaveBeenCalledWith('s1', live));
  });

  it('a stored id the server rejects is replaced by a new session, and the customer is told', async () => {
    const h = harness(async () => {
      throw new ChatApiError('invalid_session', 'Unknown session.', 401);
    });
    expect(await showConversation(h.deps, h.session, 's-old', options(h.follow))).toBe('s-new');
    expect(h.session.forget).toHaveBeenCalled();
    expect(h.texts()).toEqual([strings.errors.sessionReplaced]);
  });

  it('a history that cannot be loaded now keeps the id (the server may still hold it)', async () => {
    const h = harness(async () => {
      throw new ChatApiError('internal_error', 'Down.', 503);
    });
    expect(await showConversation(h.deps, h.session, 's1', options(h.follow))).toBe('s1');
    expect(h.session.forget).not.toHaveBeenCalled();
    expect(h.texts()).toEqual([strings.errors.historyUnavailable]);
  });

  it("a verified customer's id is never replaced on a rejection", async () => {
    const h = harness(async () => {
      throw new ChatApiError('not_found', 'Gone.', 404);
    });
    expect(await showConversation(h.deps, h.session, 'v-ada', options(h.follow, false))).toBe('v-ada');
    expect(h.session.forget).not.toHaveBeenCalled();
  });
});

describe('refreshing from the server', () => {
  it('takes the server history, and says the service is reachable', async () => {
    const h = harness(async () => history());
    await syncConversation(
      h.deps,
      () => 's1',
      () => false,
    );
    expect(h.texts()).toEqual(['Hi', 'Hello']);
    expect(h.deps.connection.reached).toHaveBeenCalled();
  });

  it('does nothing while a turn runs, or when the conversation changed while loading', async () => {
    const load = vi.fn(async () => history());
    const h = harness(load);
    await syncConversation(
      h.deps,
      () => 's1',
      () => true,
    );
    expect(load).not.toHaveBeenCalled();
    let id = 's1';
    const switching = harness(async () => {
      id = 's2';
      return history();
    });
    await syncConversation(
      switching.deps,
      () => id,
      () => false,
    );
    expect(switching.texts()).toEqual([]);
  });

  it('no answer: the header says reconnecting', async () => {
    const h = harness(async () => {
      throw new ChatApiError('network_error', 'Unreachable.', 0);
    });
    await syncConversation(
      h.deps,
      () => 's1',
      () => false,
    );
    expect(h.deps.connection.unreachable).toHaveBeenCalled();
  });
});
