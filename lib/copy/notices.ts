import type { MemoryStatus } from '@/lib/conversation/status';

/**
 * What the customer is told when their conversation's memory did not load normally. The turn sends
 * it in its `meta` event, the messages endpoint with a restored conversation, and the admin
 * transcript shows the same sentence an agent's customer saw.
 */
const MEMORY_NOTICES: Record<MemoryStatus, string | null> = {
  ok: null,
  new: null,
  expired:
    'Your earlier conversation is no longer available (it expired after a period of inactivity), so we are starting fresh.',
  unavailable: 'We could not load your earlier messages just now, so this reply is based on your latest message only.',
};

export function noticeFor(status: MemoryStatus): string | null {
  return MEMORY_NOTICES[status];
}
