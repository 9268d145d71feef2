import { loadInbox } from '@/lib/admin/inbox';
import { endpointFor, type EdgeServices } from '@/lib/http/endpoint';
import type { Presence } from '@/lib/handoff/presence';
import { serve } from '@/lib/runtime/serve';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const endpoint = endpointFor<EdgeServices & { presence: Presence }>();

/** GET /api/admin/inbox: conversations waiting for a person (oldest first), mine, and how many agents are online. */
const inbox = endpoint({ auth: { kind: 'agent', role: 'agent', mutation: false } }, async ({ db, agent, runtime }) => {
  const [lists, agentsOnline] = await Promise.all([loadInbox(db, agent.id), runtime.presence.agentsOnline()]);
  return Response.json({ ...lists, agentsOnline });
});

export const { GET } = serve('/api/admin/inbox', { GET: inbox });
