import type { Presence } from '@/lib/handoff/presence';

/** What the customer is told when a person is asked for: the deployment's own words (config). */
export interface HandoffCopy {
  /** An agent has the console open. */
  message: string;
  /** Nobody does. */
  offlineMessage: string;
}

/**
 * The honest next step for a customer who asked for a person: someone is there, or nobody is and
 * their message waits. When presence cannot be read (Postgres down) nobody is promised.
 */
export async function handoffNotice(presence: Presence, copy: HandoffCopy): Promise<{ notice: string; agentsOnline: boolean }> {
  const online = await presence.agentsOnline().catch(() => 0);
  return online > 0 ? { notice: copy.message, agentsOnline: true } : { notice: copy.offlineMessage, agentsOnline: false };
}
