import type { AgentRole } from '@/lib/db/schema';

/**
 * The agent accounts the e2e services stack is seeded with (tests/e2e/serve.ts) and the admin specs
 * sign in as. E2E_ADMIN_* / E2E_AGENT_* override them; Playwright passes its environment to both.
 */
export interface E2EAccount {
  email: string;
  password: string;
  role: AgentRole;
}

export const E2E_ACCOUNTS: Record<'admin' | 'agent', E2EAccount> = {
  admin: {
    email: process.env.E2E_ADMIN_EMAIL ?? 'admin@e2e.test',
    password: process.env.E2E_ADMIN_PASSWORD ?? 'e2e-admin-password',
    role: 'admin',
  },
  agent: {
    email: process.env.E2E_AGENT_EMAIL ?? 'agent@e2e.test',
    password: process.env.E2E_AGENT_PASSWORD ?? 'e2e-agent-password',
    role: 'agent',
  },
};
