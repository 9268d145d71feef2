import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_METHODS, allowedMethods } from '@/lib/http/methods';
import {
  CONSTANT_HEADERS,
  NON_DOCUMENT_CSP,
  STATIC_HTML_CSP,
  frameAncestors,
  newNonce,
  pageCsp,
  redirectHeaders,
  securityHeaders,
  withoutTrailingSlash,
} from '@/lib/security/headers';
import { appApiRoutes } from '../../support/app-routes';

const base = { nonce: 'bm9uY2U=', widgetOrigins: [], formTargets: [], production: true, https: false };

describe('security headers', () => {
  it('give pages a nonce CSP that allows no inline script, no framing, no plugins', () => {
    const csp = pageCsp({ ...base, pathname: '/' });
    expect(csp).toContain("script-src 'self' 'nonce-bm9uY2U=' 'strict-dynamic'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(pageCsp({ ...base, pathname: '/', production: false })).toContain("'unsafe-eval'");
  });

  it('let exactly the configured origins frame /widget and its sub-paths, and nothing else', () => {
    const origins = ['https://shop.example', 'https://www.shop.example'];
    expect(frameAncestors('/widget', origins)).toBe("'self' https://shop.example https://www.shop.example");
    expect(frameAncestors('/widget/embed', origins)).toBe("'self' https://shop.example https://www.shop.example");
    expect(frameAncestors('/widget', [])).toBe("'self'");
    for (const pathname of ['/', '/widgets', '/admin', '/admin/widget', '/api/widget', '/widget.js', '/demo.html']) {
      expect(frameAncestors(pathname, origins), pathname).toBe("'none'");
    }
    const widget = securityHeaders({ ...base, pathname: '/widget', widgetOrigins: origins });
    expect(widget['x-frame-options']).toBeUndefined();
    expect(securityHeaders({ ...base, pathname: '/admin' })['x-frame-options']).toBe('DENY');
  });

  it('give API answers a CSP that allows nothing, and every answer the constant headers', () => {
    const api = securityHeaders({ ...base, pathname: '/api/chat' });
    expect(api['content-security-policy']).toBe(NON_DOCUMENT_CSP);
    expect(api).toMatchObject(CONSTANT_HEADERS);
    expect(CONSTANT_HEADERS['x-content-type-options']).toBe('nosniff');
    expect(CONSTANT_HEADERS['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(CONSTANT_HEADERS['permissions-policy']).toContain('camera=()');
  });

  it('give static HTML files (public/demo.html) a CSP of their own: same-origin scripts only, no inline script, no framing', () => {
    const demo = securityHeaders({ ...base, pathname: '/demo.html' });
    expect(demo['content-security-policy']).toBe(STATIC_HTML_CSP);
    expect(STATIC_HTML_CSP).toContain("script-src 'self'");
    expect(STATIC_HTML_CSP).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval|strict-dynamic|nonce-)/);
    expect(STATIC_HTML_CSP).toContain("frame-src 'self'");
    expect(STATIC_HTML_CSP).toContain("frame-ancestors 'none'");
    expect(demo['x-frame-options']).toBe('DENY');
    // Pages keep their nonce CSP; API paths ending in .html are still API answers.
    expect(securityHeaders({ ...base, pathname: '/admin' })['content-security-policy']).toContain("'strict-dynamic'");
    expect(securityHeaders({ ...base, pathname: '/api/x.html' })['content-security-policy']).toBe(NON_DOCUMENT_CSP);
  });

  it('answer trailing-slash redirects with every constant header, framing refused', () => {
    expect(withoutTrailingSlash('/widget/')).toBe('/widget');
    expect(withoutTrailingSlash('/admin//')).toBe('/admin');
    expect(withoutTrailingSlash('/')).toBeNull();
    expect(withoutTrailingSlash('/widget')).toBeNull();
    // Never a protocol-relative target: an open redirect to another site.
    expect(withoutTrailingSlash('//evil.example/')).toBe('/evil.example');
    expect(withoutTrailingSlash('/\\evil.example/')).toBe('/evil.example');
    expect(withoutTrailingSlash('//')).toBe('/');
    const headers = redirectHeaders({ production: true, https: true });
    expect(headers).toMatchObject({ ...CONSTANT_HEADERS, 'content-security-policy': NON_DOCUMENT_CSP, 'x-frame-options': 'DENY' });
    expect(headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('send HSTS only in production over https', () => {
    expect(securityHeaders({ ...base, pathname: '/', https: true })['strict-transport-security']).toBe('max-age=31536000');
    expect(securityHeaders({ ...base, pathname: '/', https: false })['strict-transport-security']).toBeUndefined();
    expect(securityHeaders({ ...base, pathname: '/', https: true, production: false })['strict-transport-security']).toBeUndefined();
    expect(pageCsp({ ...base, pathname: '/', https: true })).toContain('upgrade-insecure-requests');
  });

  it('use a fresh, unguessable nonce each time', () => {
    const nonces = new Set(Array.from({ length: 200 }, newNonce));
    expect(nonces.size).toBe(200);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });

  it('are the same for static files in next.config.js', async () => {
    const require = createRequire(import.meta.url);
    const config = require(path.join(process.cwd(), 'next.config.js')) as { headers(): Promise<Array<{ source: string; headers: Array<{ key: string; value: string }> }>> };
    const rules = await config.headers();
    const statics = rules.find((rule) => rule.source === '/_next/static/:path*');
    const values = Object.fromEntries((statics?.headers ?? []).map(({ key, value }) => [key, value]));
    expect(values).toEqual({ ...CONSTANT_HEADERS, 'content-security-policy': NON_DOCUMENT_CSP, 'x-frame-options': 'DENY' });
  });
});

describe('API methods table', () => {
  it('lists exactly the route files under app/api and the methods each exports', () => {
    const fromFiles = Object.fromEntries(
      appApiRoutes()
        .filter((route) => route.pattern !== '/api/[...missing]')
        .map((route) => [route.pattern, route.methods]),
    );
    expect(Object.fromEntries(Object.entries(API_METHODS).map(([k, v]) => [k, [...v].sort()]))).toEqual(fromFiles);
  });

  it('matches dynamic segments and adds HEAD and OPTIONS', () => {
    expect(allowedMethods('/api/admin/sessions/c_abcdefghijklmnop/export')).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(allowedMethods('/api/session/messages')).toEqual(['POST', 'OPTIONS']);
    expect(allowedMethods('/api/auth/callback/credentials')).toEqual(['GET', 'POST', 'HEAD', 'OPTIONS']);
    expect(allowedMethods('/api/chat')).toEqual(['POST', 'OPTIONS']);
    // A static segment wins over a dynamic one at the same place.
    expect(allowedMethods('/api/admin/sessions/live')).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(allowedMethods('/api/admin/sessions/c_abcdefghijklmnop')).toEqual(['DELETE', 'OPTIONS']);
    expect(allowedMethods('/api/nothing')).toBeNull();
    expect(allowedMethods('/api/session/abc/messages')).toBeNull();
  });
});
