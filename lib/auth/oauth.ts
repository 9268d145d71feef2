import 'server-only';
import { logAccess, type Actor } from '@/lib/auth/access-log';
import { createAgent, findAgentByEmail, recordSignIn, toIdentity } from '@/lib/auth/agents';
import type { AgentIdentity } from '@/lib/auth/identity';
import { isAllowedEmail } from '@/lib/auth/allow-list';
import type { AuthDeps } from '@/lib/auth/session';

export interface ProviderProfile {
  provider: string;
  email: string | null | undefined;
  /** What the provider says about the address; only an explicit false is refused (GitHub says nothing). */
  emailVerified: boolean | undefined;
  name: string | null | undefined;
}

/**
 * Maps a provider sign-in to an agent: an existing, enabled agent with that e-mail, or, when the
 * address is allow-listed, a new agent with the `agent` role (admins promote). Null refuses.
 */
export async function resolveProviderAgent(deps: AuthDeps, profile: ProviderProfile): Promise<AgentIdentity | null> {
  const email = profile.email?.trim().toLowerCase();
  const db = (await deps.database()).db;
  // A refused provider sign-in is in the access log like a refused password (who, which provider, why).
  const refuse = async (reason: string, agentId: string | null = null) => {
    const who = email || '(no e-mail from the provider)';
    const actor: Actor = agentId ? { id: agentId, email: who } : { id: null, email: who };
    await logAccess(db, actor, 'sign_in_failed', { detail: { provider: profile.provider, reason } });
    return null;
  };
  if (!email) return refuse('no_email');
  if (profile.emailVerified === false) return refuse('email_unverified');
  let agent = await findAgentByEmail(db, email);
  if (!agent) {
    if (!isAllowedEmail(email, deps.config.admin)) return refuse('not_allowed');
    agent = (await createAgent(db, { email, name: profile.name?.slice(0, 120) ?? null, role: 'agent' })) ?? (await findAgentByEmail(db, email));
    if (agent) await logAccess(db, agent, 'agent_create', { detail: { via: profile.provider, email } });
  }
  if (!agent) return null;
  if (agent.disabledAt) return refuse('disabled', agent.id);
  await recordSignIn(db, agent.id);
  await logAccess(db, agent, 'sign_in', { detail: { provider: profile.provider } });
  return toIdentity(agent);
}
