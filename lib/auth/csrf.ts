import { loggablePath } from '@/lib/auth/log-path';
import { log } from '@/lib/observability/log';
import { getConfig, type TrustProxy } from '@/lib/config';

/**
 * CSRF defence for the admin API's state-changing requests (Auth.js guards its own endpoints with a
 * token, and Next guards server actions by Origin). The session cookie is SameSite=Lax; on top of
 * that a mutation must come from a page of this origin, told by the browser itself:
 * `Sec-Fetch-Site: same-origin`, or, from browsers without Fetch Metadata, an Origin header naming
 * this host. A request with neither is refused. Bodies must also be application/json, which a
 * cross-site form cannot send.
 */
export function isSameOriginRequest(request: Request, trustProxy: TrustProxy = configuredTrustProxy()): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  const origin = request.headers.get('origin');
  if (!origin || origin === 'null') return false;
  let originUrl: URL;
  try {
    originUrl = new URL(origin);
  } catch {
    return false;
  }
  const expected = publicOrigin(request.headers, trustProxy);
  if (!expected.host || originUrl.host.toLowerCase() !== expected.host) return false;
  return expected.proto === null || originUrl.protocol === `${expected.proto}:`;
}

/**
 * The host (and, behind a trusted proxy, the scheme) this request was addressed to. Forwarded
 * headers count only when TRUST_PROXY says a proxy we run wrote them, the same decision as for
 * client addresses (lib/chat/client-info.ts): with `off` the client's own X-Forwarded-Host is
 * ignored; with N hops the Nth entry from the right; on Vercel its edge overwrites them.
 */
export function publicOrigin(headers: Headers, trustProxy: TrustProxy): { host: string | null; proto: string | null } {
  const host = headers.get('host')?.trim().toLowerCase() || null;
  if (trustProxy.kind === 'off') return { host, proto: null };
  const pick = (name: string): string | null => {
    const chain = (headers.get(name) ?? '')
      .split(',')
      .map((entry) => entry.trim().toLowerCase())
      .filter(Boolean);
    if (trustProxy.kind === 'vercel') return chain[0] ?? null;
    return chain.length >= trustProxy.hops ? (chain[chain.length - trustProxy.hops] ?? null) : null;
  };
  const proto = pick('x-forwarded-proto');
  return { host: pick('x-forwarded-host') ?? host, proto: proto === 'http' || proto === 'https' ? proto : null };
}

function configuredTrustProxy(): TrustProxy {
  try {
    return getConfig().security.trustProxy;
  } catch {
    // A broken configuration: trust no forwarded header.
    return { kind: 'off' };
  }
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
