import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import type { AgentIdentity } from '@/lib/auth/identity';
import { signInUrl } from '@/lib/auth/redirect';
import { log } from '@/lib/observability/log';
import { agentFromHeaders } from '@/lib/auth/session';
import { getRuntime } from '@/lib/runtime';

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

/** A page's own path with its query string, for the return trip through sign-in. */
export function pathWithQuery(pathname: string, searchParams: Record<string, string | string[] | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(searchParams)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) query.append(key, item);
  }
  const text = query.toString();
  return text ? `${pathname}?${text}` : pathname;
}

/** A route parameter as text; null when it is not valid percent-encoding (such a URL names nothing). */
export function decodeParam(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/**
 * An agent opened an admin-only page: the page answers "admins only", and the refusal is logged.
 * (The access log's actions have no entry for viewing a console page; see the report of issue 18.)
 */
export function logRefusedPage(agent: AgentIdentity, page: string): void {
  log.warn('admin page refused', { agentId: agent.id, role: agent.role, page });
}
