import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { appApiRoutes, appPages } from '../support/app-routes';
import { E2E_ACCOUNTS } from '../support/e2e-accounts';
import { SERVICES_PORT } from './ports';
import { jsonOf, rawRequest, rawSocket } from './raw-http';

/**
 * Security hardening on the production build (services stack, tests/e2e/serve.ts): headers on every
 * page, route and static file (generated from the route files), the CSP in a real browser, per-IP
 * limits that a rotating X-Forwarded-For cannot dodge, JSON on every edge, server time limits, and
 * admin sessions that end on the server.
 */

const PORT = SERVICES_PORT;
const WIDGET_ORIGIN = 'https://shop.example';

type HeaderBag = Record<string, string | string[] | undefined>;
const value = (headers: HeaderBag, name: string) => {
  const found = headers[name];
  return Array.isArray(found) ? found.join(', ') : found;
};

function expectSecurityHeaders(headers: HeaderBag, label: string, kind: 'page' | 'api' | 'static' | 'widget'): void {
  expect(value(headers, 'x-content-type-options'), label).toBe('nosniff');
  expect(value(headers, 'referrer-policy'), label).toBe('strict-origin-when-cross-origin');
  expect(value(headers, 'permissions-policy'), label).toContain('camera=()');
  // Plain http in the test: no HSTS (a browser would ignore it; production over https sends it).
  expect(value(headers, 'strict-transport-security'), label).toBeUndefined();
  const csp = value(headers, 'content-security-policy') ?? '';
  if (kind === 'widget') {
    // The allowed origins in order (serve.ts also allows the widget specs' host page after this one).
    expect(csp, label).toMatch(new RegExp(`frame-ancestors 'self' ${WIDGET_ORIGIN.replace(/\./g, '\\.')}( |;|$)`));
    expect(value(headers, 'x-frame-options'), label).toBeUndefined();
  } else {
    expect(csp, label).toContain("frame-ancestors 'none'");
    expect(value(headers, 'x-frame-options'), label).toBe('DENY');
  }
  if (kind === 'page' || kind === 'widget') {
    expect(csp, label).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'(;|$)/);
  } else {
    expect(csp, label).toContain("default-src 'none'");
  }
}

test.describe('security headers', () => {
  test('are on every page, generated from the route files, with a fresh nonce each time', async ({ request }) => {
    const pages = appPages().map((page) => page.path);
    expect(pages).toEqual(expect.arrayContaining(['/', '/admin', '/admin/sign-in', '/admin/agents']));
    const nonces = new Set<string>();
    for (const path of [...pages, '/no/such/page', '/widget', '/widget/embed']) {
      const response = await request.get(path, { maxRedirects: 0 });
      const kind = path.startsWith('/widget') ? 'widget' : 'page';
      expectSecurityHeaders(response.headers(), `GET ${path} (${response.status()})`, kind);
      const nonce = /'nonce-([^']+)'/.exec(response.headers()['content-security-policy'] ?? '')?.[1];
      if (nonce) nonces.add(nonce);
      // Rendered pages carry the nonce on Next's own scripts.
      if (response.status() === 200 && nonce) {
        const html = await response.text();
        const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
        expect(scripts.length, path).toBeGreaterThan(0);
        expect(scripts.every((tag) => tag.includes(`nonce="${nonce}"`)), `${path}: ${scripts.find((t) => !t.includes(nonce))}`).toBe(true);
      }
    }
    expect(nonces.size).toBeGreaterThanOrEqual(pages.length);
  });

  test('are on every API route and method, and a wrong method is a JSON 405 with Allow', async ({ request }) => {
    const routes = appApiRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const route of routes) {
      for (const method of route.methods) {
        const response = await request.fetch(route.path, { method, data: method === 'GET' ? undefined : {}, maxRedirects: 0 });
        expect(response.status(), `${method} ${route.path}`).toBeLessThan(500);
        expectSecurityHeaders(response.headers(), `${method} ${route.path}`, 'api');
      }
      const wrong = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].find((m) => !route.methods.includes(m));
      // The JSON 404 catch-all takes every method.
      if (!wrong) continue;
      const refused = await request.fetch(route.path, { method: wrong, maxRedirects: 0 });
      expect(refused.status(), `${wrong} ${route.path}`).toBe(405);
      expect(await refused.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
      expect(refused.headers().allow?.split(', ')).toEqual(expect.arrayContaining(route.methods));
      expectSecurityHeaders(refused.headers(), `${wrong} ${route.path}`, 'api');
    }
    const unknown = await request.post('/api/no/such/route', { data: {} });
    expect(unknown.status()).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
    expectSecurityHeaders(unknown.headers(), 'POST /api/no/such/route', 'api');
  });

  test('are on static files', async ({ request }) => {
    const html = await (await request.get('/')).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/_next\/static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets.slice(0, 5)) {
      const response = await request.get(asset);
      expect(response.status(), asset).toBe(200);
      expectSecurityHeaders(response.headers(), asset, 'static');
    }
  });

  test('the CSP lets the app run in a real browser, and reports no violations', async ({ page }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.goto('/');
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('Hello under a strict CSP');
    await box.press('Enter');
    await expect(page.getByRole('article', { name: 'Assistant said' }).first()).toContainText('Mock reply to: Hello under a strict CSP');
    await page.goto('/admin/sign-in');
    await expect(page.getByLabel('E-mail')).toBeVisible();
    expect(violations).toEqual([]);
  });

  test('a page elsewhere cannot frame the console', async ({ page }) => {
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/frame-ancestors|Refused to (display|frame)/i.test(message.text())) blocked.push(message.text());
    });
    await page.setContent(`<iframe src="http://127.0.0.1:${PORT}/admin/sign-in"></iframe>`);
    await expect.poll(() => blocked.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(await frame?.locator('input[type=password]').count().catch(() => 0)).toBe(0);
  });
});

test.describe('abuse limits and edges', () => {
  test('300 session requests from one client with a rotating X-Forwarded-For are still limited (TRUST_PROXY unset)', async () => {
    const statuses: number[] = [];
    let limited: { headers: HeaderBag; body: unknown } | null = null;
    const started = Date.now();
    for (let i = 0; i < 300; i++) {
      const response = await rawRequest({
        port: PORT,
        path: '/api/session',
        method: 'POST',
        from: '127.0.0.2',
        headers: { 'x-forwarded-for': `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 'x-real-ip': `10.9.9.${i & 255}` },
      });
      statuses.push(response.status);
      if (response.status === 429 && !limited) limited = { headers: response.headers, body: jsonOf(response) };
    }
    const seconds = (Date.now() - started) / 1000;
    const created = statuses.filter((s) => s === 201).length;
    console.log(`[security] POST /api/session ×300 from one client in ${seconds.toFixed(1)} s: ${created} × 201, ${statuses.filter((s) => s === 429).length} × 429`);
    // A sliding window of 60 per minute: 60 at once, then about one more per second as the window
    // slides (plus one for rounding): far from the 300 a rotating header would have bought.
    expect(created).toBeLessThanOrEqual(61 + Math.ceil(seconds));
    expect(created).toBeLessThan(150);
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(limited?.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(value(limited!.headers, 'retry-after'))).toBeGreaterThan(0);
    // Another client (another address) is not affected.
    expect((await rawRequest({ port: PORT, path: '/api/session', method: 'POST', from: '127.0.0.3' })).status).toBe(201);
  });

  test('a malformed percent-escape is a JSON 400, not a 500', async () => {
    for (const path of ['/api/session/%zz/messages', '/api/session/%E0%A4%A/messages', '/admin/sessions/%zz', '/%zz']) {
      const response = await rawRequest({ port: PORT, path });
      expect(response.status, path).toBe(400);
      expect(jsonOf(response), path).toMatchObject({ error: { code: 'invalid_request' } });
      expectSecurityHeaders(response.headers, path, path.startsWith('/api') ? 'api' : 'page');
    }
  });

  test('oversized headers get a JSON 431; slow headers and slow bodies are cut with a JSON 408', async () => {
    const big = await rawRequest({ port: PORT, path: '/api/health', headers: { 'x-padding': 'a'.repeat(20_000) } });
    expect(big.status).toBe(431);
    expect(jsonOf(big)).toMatchObject({ error: { code: 'headers_too_large' } });

    // SERVER_HEADERS_TIMEOUT_MS=3000 on this stack.
    const slowHeaders = await rawSocket(PORT, [{ data: 'GET /api/health HTTP/1.1\r\nHost: x\r\n' }, { data: 'X-A: 1\r\n', delayMs: 1000 }]);
    expect(slowHeaders.text).toMatch(/^HTTP\/1\.1 408/);
    expect(slowHeaders.text).toContain('"request_timeout"');
    expect(slowHeaders.closedAfterMs).toBeLessThan(6_000);

    // SERVER_REQUEST_TIMEOUT_MS=5000: a body promised and never finished.
    const { sessionId } = (await (await fetch(`http://127.0.0.1:${PORT}/api/session`, { method: 'POST' })).json()) as { sessionId: string };
    const slowBody = await rawSocket(PORT, [
      { data: `POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n` },
      { data: `{"sessionId":"${sessionId}",`, delayMs: 200 },
    ]);
    expect(slowBody.text).toMatch(/^HTTP\/1\.1 408/);
    expect(slowBody.text).toContain('"request_timeout"');
    expect(slowBody.closedAfterMs).toBeLessThan(9_000);
  });
});

async function signInAs(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/admin/sign-in');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
}

async function cookieHeader(page: Page): Promise<string> {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}

async function exportWith(cookie: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${PORT}/api/admin/export?format=jsonl`, { headers: { cookie } });
  await response.body?.cancel();
  return response.status;
}

test.describe('admin sessions end on the server', () => {
  test('a cookie captured before sign-out, and one issued before a password change, both get 401', async ({ browser }) => {
    const admin = await browser.newPage();
    await signInAs(admin, E2E_ACCOUNTS.admin.email, E2E_ACCOUNTS.admin.password);
    // A fresh agent for this test, so other specs keep their accounts.
    const email = `revoke-${randomBytes(4).toString('hex')}@e2e.test`;
    const password = 'first password 12345';
    const created = await admin.request.post('/api/admin/agents', {
      data: { email, name: 'Revoke test', role: 'agent', password },
      headers: { origin: `http://127.0.0.1:${PORT}` },
    });
    expect(created.status()).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const signedOut = await browser.newPage();
    await signInAs(signedOut, email, password);
    const captured = await cookieHeader(signedOut);
    expect(await exportWith(captured)).toBe(200);
    await signedOut.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(signedOut).toHaveURL(/\/admin\/sign-in/);
    expect(await exportWith(captured)).toBe(401);

    const beforeChange = await browser.newPage();
    await signInAs(beforeChange, email, password);
    const old = await cookieHeader(beforeChange);
    expect(await exportWith(old)).toBe(200);
    const changed = await admin.request.patch(`/api/admin/agents/${id}`, {
      data: { password: 'second password 67890' },
      headers: { origin: `http://127.0.0.1:${PORT}` },
    });
    expect(changed.status()).toBe(200);
    expect(await exportWith(old)).toBe(401);
    // The admin's own session is untouched.
    expect(await exportWith(await cookieHeader(admin))).toBe(200);

    // "Sign out everywhere" from the agent's own console ends its other sessions too.
    const one = await browser.newPage();
    const two = await browser.newPage();
    await signInAs(one, email, 'second password 67890');
    await signInAs(two, email, 'second password 67890');
    const otherDevice = await cookieHeader(two);
    await one.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(one).toHaveURL(/\/admin\/sign-in/);
    expect(await exportWith(otherDevice)).toBe(401);
  });
});

test.describe('sign-in without lockout', () => {
  test("the right password still signs in after a stranger's 50 wrong attempts from another address", async ({ page }) => {
    const from = '127.0.0.8';
    const csrf = await rawRequest({ port: PORT, path: '/api/auth/csrf', from });
    const { csrfToken } = jsonOf(csrf) as { csrfToken: string };
    const cookie = ([] as string[]).concat(csrf.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    const outcomes: string[] = [];
    for (let i = 0; i < 50; i++) {
      const body = new URLSearchParams({ csrfToken, email: E2E_ACCOUNTS.agent.email, password: `wrong guess ${i}` }).toString();
      const response = await rawRequest({
        port: PORT,
        path: '/api/auth/callback/credentials',
        method: 'POST',
        from,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: `http://127.0.0.1:${PORT}` },
        body,
      });
      const location = value(response.headers, 'location') ?? '';
      outcomes.push(/code=rate_limited/.test(location) ? 'limited' : /error=/.test(location) ? 'refused' : `other ${response.status} ${location}`);
    }
    console.log(`[security] stranger's 50 wrong passwords: ${outcomes.filter((o) => o === 'refused').length} refused, ${outcomes.filter((o) => o === 'limited').length} rate-limited`);
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill('refused'));
    expect(outcomes.slice(5).every((o) => o === 'limited')).toBe(true);

    // The agent, at their own address (127.0.0.1), signs in at once.
    await signInAs(page, E2E_ACCOUNTS.agent.email, E2E_ACCOUNTS.agent.password);
  });
});
