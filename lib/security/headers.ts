/**
 * The security headers of every response, as pure functions of the request's path and the config,
 * so the proxy stays thin and each rule has a unit test. Pages get a per-request nonce CSP (Next
 * reads the nonce from the request's CSP header and puts it on its own scripts); API answers and
 * static files get a CSP that allows nothing, since they are never meant to run as documents.
 */

export interface HeaderOptions {
  pathname: string;
  /** Fresh per request; only pages need it. */
  nonce: string;
  /** Origins that may frame the widget page (config.security.widgetAllowedOrigins). */
  widgetOrigins: readonly string[];
  /** Origins the sign-in form may hand over to (OAuth/OIDC providers). */
  formTargets: readonly string[];
  production: boolean;
  https: boolean;
}

/** Features no page of Tether uses: a framed widget or an injected script cannot ask for them. */
export const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'autoplay=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'payment=()',
  'usb=()',
  'browsing-topics=()',
].join(', ');

/** Headers that are the same on every response, static files included (next.config.js uses these too). */
export const CONSTANT_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': PERMISSIONS_POLICY,
};

/** For anything that is not a page: nothing may load, run or frame it. */
export const NON_DOCUMENT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const HSTS = 'max-age=31536000';

/**
 * `/widget` and everything below it is the one page other sites may frame, and only the configured
 * ones (WIDGET_ALLOWED_ORIGINS): a 404 below it renders in no foreign site's frame either.
 */
export function isWidgetPath(pathname: string): boolean {
  return pathname === '/widget' || pathname.startsWith('/widget/');
}

/** Static HTML files served from public/ (demo.html): no Next bootstrap, so no nonce to hand out. */
export function isStaticHtmlPath(pathname: string): boolean {
  return !isApiPath(pathname) && /\.html?$/i.test(pathname);
}

/**
 * For static HTML pages (public/*.html): same-origin scripts only (widget.js), no inline script, no
 * eval; same-origin stylesheets plus inline styles, because widget.js writes its launcher's style as
 * a <style> element built from the page's data-accent / data-position (no hash can name that), and
 * demo.html keeps its own <style> (the e2e specs copy it to other origins, where a /demo.css would
 * not exist); a style cannot run script. The widget's frame is same-origin; nothing may frame these pages.
 */
export const STATIC_HTML_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function isApiPath(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/');
}

export function frameAncestors(pathname: string, widgetOrigins: readonly string[]): string {
  if (!isWidgetPath(pathname)) return "'none'";
  return ["'self'", ...widgetOrigins].join(' ');
}

export function pageCsp(options: Omit<HeaderOptions, 'https'> & { https?: boolean }): string {
  const { nonce } = options;
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': Next's nonced bootstrap loads the page's chunks; no host list to keep current.
    // React needs eval only for its development-mode stack reconstruction.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.production ? '' : " 'unsafe-eval'"}`,
    // Tailwind is one same-origin stylesheet; Next nonces the <style> tags it writes; React's style
    // attributes (style="…") cannot carry a nonce, and an attribute cannot run script.
    `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action ${["'self'", ...options.formTargets].join(' ')}`,
    `frame-ancestors ${frameAncestors(options.pathname, options.widgetOrigins)}`,
  ];
  if (options.https) directives.push('upgrade-insecure-requests');
  return directives.join('; ');
}

/** Every security header for one response. */
export function securityHeaders(options: HeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    ...CONSTANT_HEADERS,
    'content-security-policy': isApiPath(options.pathname)
      ? NON_DOCUMENT_CSP
      : isStaticHtmlPath(options.pathname)
        ? STATIC_HTML_CSP
        : pageCsp(options),
  };
  // Old browsers that ignore frame-ancestors; a list of origins cannot be said in X-Frame-Options.
  if (!isWidgetPath(options.pathname)) headers['x-frame-options'] = 'DENY';
  // Over plain http a browser ignores HSTS; in development it would pin localhost to https.
  if (options.production && options.https) headers['strict-transport-security'] = HSTS;
  return headers;
}

/** 16 random bytes, base64: unguessable, and valid in a CSP nonce-source. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** For answers that are never rendered (redirects): the constant headers, nothing may load or frame. */
export function redirectHeaders(options: Pick<HeaderOptions, 'production' | 'https'>): Record<string, string> {
  const headers: Record<string, string> = { ...CONSTANT_HEADERS, 'content-security-policy': NON_DOCUMENT_CSP, 'x-frame-options': 'DENY' };
  if (options.production && options.https) headers['strict-transport-security'] = HSTS;
  return headers;
}

/**
 * `/a/b/` → `/a/b` (Next's own trailing-slash redirect is off so that this one carries the headers);
 * null when none is due. Leading slashes and backslashes collapse to one, so the target can never be
 * a protocol-relative address (`//evil.example/` → `/evil.example`, not a redirect off-site).
 */
export function withoutTrailingSlash(pathname: string): string | null {
  if (pathname.length <= 1 || !pathname.endsWith('/')) return null;
  const stripped = pathname.replace(/\/+$/, '').replace(/^[/\\]+/, '/');
  return stripped === '' ? '/' : stripped;
}
