import { loadInbox } from '@/lib/admin/inbox';
import type { ConversationStore } from '@/lib/conversation/store';
import type { Presence } from '@/lib/handoff/presence';
import { releaseSilentConversations } from '@/lib/handoff/silence';
import { endpointFor, type EdgeServices } from '@/lib/http/endpoint';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const endpoint = endpointFor<EdgeServices & { presence: Presence; memory: Pick<ConversationStore, 'changeState'> }>();

/** GET /api/admin/inbox: conversations waiting for a person (oldest first), mine, and how many agents are online. */
const inbox = endpoint({ auth: { kind: 'agent', role: 'agent', mutation: false } }, async ({ db, agent, runtime }) => {
  // Conversations whose agent went silent are back in the queue before anyone reads it.
  await releaseSilentConversations(db, runtime.memory, runtime.config.handoff.agentSilenceMs);
  const [lists, agentsOnline] = await Promise.all([loadInbox(db, agent.id), runtime.presence.agentsOnline()]);
  return Response.json({ ...lists, agentsOnline });
});

export const { GET } = serve('/api/admin/inbox', { GET: inbox });
