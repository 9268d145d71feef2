import type { ChatAction, Entry, Rating } from './chat-state';
import { sendFeedback } from './session-client';

/** The rating a reply shows now (null when unrated or not on screen). */
export function ratingOf(entries: readonly Entry[], auditId: string): Rating | null {
  const reply = entries.find((e) => e.kind === 'assistant' && e.auditId === auditId);
  return reply?.kind === 'assistant' ? reply.rating : null;
}

/** The customer's rating shows at once; if the server cannot save it, the reply shows the one before. */
export function rateReply(
  entries: readonly Entry[],
  sessionId: string,
  auditId: string,
  rating: Rating | null,
  dispatch: (action: ChatAction) => void,
  save: typeof sendFeedback = sendFeedback,
): Promise<void> {
  const before = ratingOf(entries, auditId);
  dispatch({ type: 'rated', auditId, rating });
  return save(sessionId, auditId, rating).catch(() => dispatch({ type: 'rated', auditId, rating: before }));
}
