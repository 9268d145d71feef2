import 'server-only';
import type { AgentIdentity } from '@/lib/auth/identity';
import { log } from '@/lib/observability/log';

// The check itself (requirePageAgent, currentPageAgent) is bound to the process's runtime in
// lib/runtime/auth.ts; these are the helpers pages use around it.

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
