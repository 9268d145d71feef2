import type { AgentRole } from '@/lib/db/schema';

/**
 * Who is signed in, as every admin check sees it: always read from the agents table, never from the cookie alone.
 * Its own module so the agent and admin-session queries can both name it without importing each other.
 */
export interface AgentIdentity {
  id: string;
  email: string;
  name: string | null;
  role: AgentRole;
}
