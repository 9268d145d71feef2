import { NextResponse, type NextRequest } from 'next/server';
import { getConfig } from '@/lib/config';
import { errorBody } from '@/lib/errors';
import { allowedMethods } from '@/lib/http/methods';
import { isApiPath, isStaticHtmlPath, newNonce, redirectHeaders, securityHeaders, withoutTrailingSlash } from '@/lib/security/headers';

/**
 * Runs before every request except Next's build assets under /_next/static/ (next.config.js gives
 * those their headers), so 404s, the image optimiser, favicon.ico and redirects carry them too:
 * security headers on every answer, a fresh CSP nonce for pages, and JSON answers for the edges
 * Next would answer with an empty or text body (a bad percent-escape, a wrong method).
 */

interface ProxySettings {
  widgetOrigins: string[];
  formTargets: string[];
  production: boolean;
}

let settings: ProxySettings | undefined;

function proxySettings(): ProxySettings {
  if (settings) return settings;
  try {
    const config = getConfig();
    settings = {
      widgetOrigins: config.security.widgetAllowedOrigins,
      formTargets: config.admin.oauth.map((provider) =>
        provider.id === 'oidc'
          ? new URL(provider.issuer).origin
          : provider.id === 'github'
            ? 'https://github.com'
            : 'https://accounts.google.com',
      ),
      production: config.env === 'production',
    };
  } catch {
    // A broken configuration fails in the routes with its message; the headers stay strict.
    settings = { widgetOrigins: [], formTargets: [], production: process.env.NODE_ENV === 'production' };
  }
  return settings;
}

function jsonError(status: number, code: string, message: string, headers: Record<string, string>): NextResponse {
  return NextResponse.json(errorBody(code, message), { status, headers: { 'cache-control': 'no-store', ...headers } });
}

function isDecodable(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

export function proxy(request: NextRequest): NextResponse {
  const { pathname } = request.nextUrl;
  const { widgetOrigins, formTargets, production } = proxySettings();
  const nonce = newNonce();
  const headers = securityHeaders({
    pathname,
    nonce,
    widgetOrigins,
    formTargets,
    production,
    https: request.nextUrl.protocol === 'https:',
  });

  // Next's own trailing-slash redirect runs before this proxy and carries no headers (it is off in
  // next.config.js): the same 308, here.
  const canonical = withoutTrailingSlash(pathname);
  if (canonical !== null) {
    // Built on request.url (NextURL's own formatting would put the slash back); Next turns a
    // same-host Location into a relative one, as its own redirect sends, so the host this server
    // sees behind a proxy never reaches the browser.
    const response = NextResponse.redirect(new URL(`${canonical}${request.nextUrl.search}`, request.url), 308);
    for (const [name, value] of Object.entries(redirectHeaders({ production, https: request.nextUrl.protocol === 'https:' }))) {
      response.headers.set(name, value);
    }
    return response;
  }

  if (!isDecodable(pathname)) {
    return jsonError(400, 'invalid_request', 'The address is not valid (a bad percent-escape).', headers);
  }
  if (isApiPath(pathname)) {
    // Unknown paths (and routes newer than the table) go on: app/api/[...missing] answers JSON 404.
    const allowed = allowedMethods(pathname);
    if (allowed && !allowed.includes(request.method)) {
      return jsonError(405, 'method_not_allowed', `${request.method} is not allowed here.`, {
        ...headers,
        allow: allowed.join(', '),
      });
    }
    const response = NextResponse.next();
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  }

  if (isStaticHtmlPath(pathname)) {
    const response = NextResponse.next();
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  }

  // Next takes the nonce from the request's CSP header and adds it to the scripts it renders.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('content-security-policy', headers['content-security-policy']!);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Everything but Next's own build assets (content-hashed, no markup; next.config.js gives them the
  // headers). The trailing slash matters: `/_next/staticx` is not a build asset and goes through here.
  matcher: ['/((?!_next/static/).*)'],
};
