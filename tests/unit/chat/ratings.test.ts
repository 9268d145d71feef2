import { describe, expect, it, vi } from 'vitest';
import { chatReducer, initialChatState, type ChatAction, type ChatState } from '@/components/chat/chat-state';
import { rateReply } from '@/components/chat/ratings';

const AT = '2030-01-01T00:00:00.000Z';

function rated() {
  let state: ChatState = chatReducer(initialChatState, {
    type: 'restored',
    notice: null,
    messages: [
      { role: 'user', text: 'Hi', at: AT, auditId: 'a1' },
      { role: 'assistant', text: 'Hello', at: AT, auditId: 'a1', rating: 'up' },
    ],
  });
  const dispatch = (action: ChatAction) => {
    state = chatReducer(state, action);
  };
  const entries = () => [...state.restored, ...state.live];
  const rating = () => state.restored.find((e) => e.kind === 'assistant')?.rating;
  return { dispatch, entries, rating };
}

describe('rating a reply', () => {
  it('shows at once and is sent for the conversation on screen', async () => {
    const r = rated();
    const save = vi.fn(async () => undefined);
    const saving = rateReply(r.entries(), 's1', 'a1', 'down', r.dispatch, save);
    expect(r.rating()).toBe('down');
    await saving;
    expect(save).toHaveBeenCalledWith('s1', 'a1', 'down');
    expect(r.rating()).toBe('down');
  });

  it('a rating the server could not save goes back to the one before', async () => {
    const r = rated();
    await rateReply(r.entries(), 's1', 'a1', null, r.dispatch, async () => {
      throw new Error('offline');
    });
    expect(r.rating()).toBe('up');
  });
});
