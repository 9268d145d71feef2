import { loggablePath } from '@/lib/auth/log-path';
import { log } from '@/lib/observability/log';

/**
 * CSRF defence for the admin API's state-changing requests (Auth.js guards its own endpoints with a
 * token, and Next guards server actions by Origin). The session cookie is SameSite=Lax; on top of
 * that a mutation must come from a page of this origin, told by the browser itself:
 * `Sec-Fetch-Site: same-origin`, or, from browsers without Fetch Metadata, an Origin header naming
 * this host. A request with neither is refused. Bodies must also be application/json, which a
 * cross-site form cannot send.
 */
export function isSameOriginRequest(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  const origin = request.headers.get('origin');
  if (!origin || origin === 'null') return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  // Behind a proxy the public host arrives as x-forwarded-host; Next sets it when it is the edge.
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() || request.headers.get('host');
  return host !== null && originHost.toLowerCase() === host.toLowerCase();
}

/** The check with a log line when it refuses: a refused cross-site request is worth knowing about. */
export function checkSameOrigin(request: Request): boolean {
  if (isSameOriginRequest(request)) return true;
  log.warn('cross-site request refused', {
    method: request.method,
    path: loggablePath(new URL(request.url).pathname),
    secFetchSite: request.headers.get('sec-fetch-site'),
    origin: request.headers.get('origin'),
  });
  return false;
}
