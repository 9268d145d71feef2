import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '@/lib/auth/agents';
import { openDatabase } from '@/lib/db/client';
import { sessionRef } from '@/lib/session-ref';
import { chromiumExecutable } from '../support/browser';
import { IDENTITY_SECRET, signIdentity } from '../support/identity-tokens';
import { chat, eventually, startProductionStack, type ProductionStack } from '../support/production';

/**
 * /admin on the production build shows who a verified customer is (list, transcript header, the
 * customer's page), never a session id, with no console error and no serious axe violation in light
 * and dark at 360 px. Screenshots land in SCREENSHOT_DIR when it is set.
 */

const ACCOUNT = { email: 'identity-agent@e2e.test', password: 'identity-agent-password', role: 'agent' as const };
const SHOTS = process.env.SCREENSHOT_DIR;

let stack: ProductionStack;
let browser: Browser;
let verifiedId: string;
let freshId: string;
let anonymousId: string;

async function openSession(body?: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${stack.url}/api/session`, {
    method: 'POST',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { sessionId: string }).sessionId;
}

beforeAll(async () => {
  stack = await startProductionStack({ env: { WIDGET_IDENTITY_SECRET: IDENTITY_SECRET } });
  const handle = await openDatabase({ kind: 'postgres', url: stack.database!.url });
  try {
    await createAgent(handle.db, { ...ACCOUNT, name: 'Identity agent' });
  } finally {
    await handle.close();
  }
  const claims = { sub: 'shop-42', name: 'Ada Lovelace', email: 'ada@example.com' };
  verifiedId = await openSession({ userToken: await signIdentity(claims) });
  expect((await chat(stack.url, { sessionId: verifiedId, text: 'Where is parcel 5512?' })).done).toBeDefined();
  freshId = await openSession({ userToken: await signIdentity(claims), newConversation: true });
  expect((await chat(stack.url, { sessionId: freshId, text: 'A question about invoices.' })).done).toBeDefined();
  anonymousId = await openSession();
  expect((await chat(stack.url, { sessionId: anonymousId, text: 'I am Ada Lovelace, honestly.' })).done).toBeDefined();
  await eventually(
    async () => {
      const [row] = (await stack.database!.sql.unsafe('select count(*)::int as n from sessions')) as unknown as Array<{ n: number }>;
      return row!.n === 3 ? true : undefined;
    },
    10_000,
    'three sessions in the audit',
  );
  browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function signedInPage(scheme: 'light' | 'dark', width: number): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width, height: 900 }, baseURL: stack.url });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/admin/sessions');
  await page.getByLabel('E-mail').fill(ACCOUNT.email);
  await page.getByLabel('Password').fill(ACCOUNT.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // On a phone "Sign out" sits in the collapsed menu: the list's heading says the sign-in worked.
  await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  return { page, errors };
}

async function check(page: Page, name: string): Promise<string> {
  const html = await page.content();
  for (const id of [verifiedId, freshId, anonymousId]) expect(html, `${name} shows a session id`).not.toContain(id);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), name).toEqual([]);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  return html;
}

describe('/admin shows the verified customer', () => {
  for (const [scheme, width] of [
    ['light', 1280],
    ['dark', 360],
    ['light', 360],
  ] as const) {
    it(`list, transcript and customer page (${scheme}, ${width} px)`, async () => {
      const { page, errors } = await signedInPage(scheme, width);
      await page.goto('/admin/sessions');
      await page.getByText('Verified', { exact: true }).filter({ visible: true }).first().waitFor();
      await check(page, `sessions-${scheme}-${width}`);
      // innerText: only what is displayed (the phone cards or the table, whichever this width shows).
      const listText = await page.locator('main').innerText();
      expect(listText).toContain('Ada Lovelace');
      expect(listText).toContain('Anonymous');

      await page.goto('/admin/sessions?identity=anonymous');
      const anonymousOnly = await page.locator('main').innerText();
      expect(anonymousOnly).toContain(sessionRef(anonymousId));
      expect(anonymousOnly).not.toContain(sessionRef(verifiedId));

      await page.goto(`/admin/sessions/${sessionRef(verifiedId)}`);
      const card = page.getByRole('region', { name: 'Verified customer' });
      const cardText = await card.innerText();
      expect(cardText).toContain('Ada Lovelace');
      expect(cardText).toContain('ada@example.com');
      expect(cardText).toContain('shop-42');
      await check(page, `transcript-${scheme}-${width}`);

      await card.getByRole('link', { name: /All conversations/ }).click();
      await page.waitForURL(/\/admin\/customers\/shop-42$/);
      const customerText = await page.locator('main').innerText();
      expect(customerText).toContain(sessionRef(verifiedId));
      expect(customerText).toContain(sessionRef(freshId));
      expect(customerText).not.toContain(sessionRef(anonymousId));
      await check(page, `customer-${scheme}-${width}`);

      // An id nobody signed in with: an answer (the admin sweep opens every page with sample values), nothing logged.
      const unknown = await page.goto('/admin/customers/nobody-here');
      expect(unknown?.status()).toBe(200);
      expect(await page.locator('main').innerText()).toContain('No verified customer has signed in with the id nobody-here');
      expect(errors).toEqual([]);
      await page.context().close();
    });
  }

  it('the customer page view is in the access log', async () => {
    const rows = (await stack.database!.sql.unsafe(
      "select agent_email, detail from access_log where action = 'view_customer'",
    )) as unknown as Array<{ agent_email: string; detail: { sub: string } }>;
    expect(rows.length).toBe(3);
    expect(rows.every((row) => row.agent_email === ACCOUNT.email && row.detail.sub === 'shop-42')).toBe(true);
  });
});
