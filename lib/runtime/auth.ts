import 'server-only';
import NextAuth from 'next-auth';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import type { AgentIdentity } from '@/lib/auth/identity';
import { authConfig } from '@/lib/auth/nextauth';
import { signInUrl } from '@/lib/auth/redirect';
import { agentFromHeaders } from '@/lib/auth/session';
import { getRuntime } from '@/lib/runtime';

/**
 * Sign-in for /admin bound to the process's runtime: Auth.js's handlers and actions, and the page
 * guard. Like lib/runtime/serve.ts for the API, the one place the admin's auth looks the runtime up.
 */

export const { handlers, signIn, signOut } = NextAuth(() => authConfig(getRuntime()));

/**
 * The server-side check at the top of every /admin page (hiding links is not access control):
 * anonymous visitors are redirected to sign-in and come back to `returnTo` afterwards.
 */
export async function requirePageAgent(returnTo: string): Promise<AgentIdentity> {
  const agent = await currentPageAgent();
  if (!agent) redirect(signInUrl(returnTo));
  return agent;
}

/**
 * The same check for a page that may render for nobody (sign-in): null instead of a redirect.
 * Memoised per request, so the console layout and its page share one cookie check and lookup.
 */
export const currentPageAgent = cache(async (): Promise<AgentIdentity | null> => agentFromHeaders(await headers(), getRuntime()));
