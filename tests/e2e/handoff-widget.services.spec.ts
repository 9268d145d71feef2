import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type FrameLocator, type Locator, type Page } from '@playwright/test';
import { sessionRef } from '../../lib/session-ref';
import { E2E_ACCOUNTS } from '../support/e2e-accounts';
import { HOST_PAGE_PORT, SERVICES_MOCK, SERVICES_PORT } from './ports';

/**
 * The customer's side of a person stepping in (issue 20), on the production build (services stack):
 * the customer presses "Talk to a person" in the chat; an agent, signed in to /admin in a second
 * browser context, takes over and writes through the admin API (the console's controls for it are
 * built separately); the chat shows the agent's words within 2 s, still after a reload; the agent
 * hands back and the mock model answers the next message. Axe and screenshots light, dark, 360 px.
 */

const SHOTS = path.join('test-results', 'screenshots');
/** The seeded agent's name (tests/e2e/serve.ts names accounts "E2E <role>"). */
const AGENT = 'E2E agent';
const HANDOVER = 'A person from our team will join this conversation shortly.';

/** The shop that embeds the widget, on another site (localhost vs 127.0.0.1), with two pages. */
const HOST = `http://localhost:${HOST_PAGE_PORT}`;
let hostServer: Server;

test.beforeAll(async () => {
  const home = readFileSync(path.join('public', 'demo.html'), 'utf8').replace(
    'src="/widget.js"',
    `src="http://127.0.0.1:${SERVICES_PORT}/widget.js"`,
  );
  const second = home.replace('<h2>A host page with the Tether widget</h2>', '<h2>Our bikes</h2>');
  hostServer = createServer((req, res) => {
    const page = req.url === '/' ? home : req.url === '/page2' ? second : null;
    if (!page) return void res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => hostServer.listen(HOST_PAGE_PORT, 'localhost', resolve));
});

test.afterAll(async () => {
  await new Promise((resolve) => hostServer.close(resolve));
});

test.afterEach(async ({ request }) => {
  await request.post(`${SERVICES_MOCK}/reset`).catch(() => undefined);
  await request.post(`${SERVICES_MOCK}/behaviour`, { data: { firstTokenDelayMs: 0, chunkDelayMs: 15, chunkSize: 6, faults: [] } });
});

type Chat = Page | FrameLocator;
const composer = (chat: Chat) => chat.getByRole('textbox', { name: 'Message' });
const replies = (chat: Chat) => chat.getByRole('article', { name: 'Assistant said' });
const agentSaid = (chat: Chat) => chat.getByRole('article', { name: `${AGENT} from our team said` });
const banner = (chat: Chat) => chat.locator('[data-handoff]');

/** The seeded agent, signed in to /admin in a browser context of their own. */
async function signedInAgent(browser: Browser): Promise<Page> {
  const agent = await (await browser.newContext()).newPage();
  await agent.goto('/admin');
  await agent.getByLabel('E-mail').fill(E2E_ACCOUNTS.agent.email);
  await agent.getByLabel('Password').fill(E2E_ACCOUNTS.agent.password);
  await agent.getByRole('button', { name: 'Sign in' }).click();
  await expect(agent.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  return agent;
}

/** The widget on a page of the shop, opened (a panel open on the previous page opens by itself); hydrated and connected. */
async function openWidget(page: Page, url: string, alreadyOpen = false): Promise<FrameLocator> {
  await page.goto(url);
  if (!alreadyOpen) await page.getByRole('button', { name: 'Open support chat' }).click();
  await expect(page.getByRole('button', { name: 'Close support chat' })).toHaveAttribute('aria-expanded', 'true');
  const frame = page.frameLocator('iframe[title="Acme support chat"]');
  await expect(frame.locator('[data-connection]')).toHaveAttribute('data-connection', 'online');
  return frame;
}

async function modelRequests(page: Page): Promise<unknown[]> {
  return (await (await page.request.get(`${SERVICES_MOCK}/requests`)).json()) as unknown[];
}

/** An admin API call from the agent's signed-in page (same origin, their session cookie). */
async function adminCall(agent: Page, url: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return agent.evaluate(
    async ({ url, body }) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json().catch(() => null) };
    },
    { url, body },
  );
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The conversation's messages, in the order shown. */
async function transcript(page: Page): Promise<string[]> {
  const articles: Locator = page.getByRole('log').getByRole('article');
  return articles.evaluateAll((nodes) =>
    nodes.map((node) => `${node.getAttribute('aria-label')}: ${node.querySelector('p[dir="auto"], div[dir="auto"]')?.textContent ?? ''}`),
  );
}

test('a customer asks for a person; the agent’s words arrive live and stay; handed back, the model answers again', async ({
  browser,
  page,
}) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));

  // The agent's console is open in another browser context: someone is online.
  const agent = await signedInAgent(browser);

  // The customer chats with the assistant first.
  await page.request.post(`${SERVICES_MOCK}/behaviour`, { data: { reply: 'I am sorry to hear that.' } });
  await page.goto('/');
  await composer(page).fill('My parcel never arrived.');
  await composer(page).press('Enter');
  await expect(replies(page).first()).toHaveAttribute('data-status', 'done');

  // "Talk to a person": the deployment's handover words, and the button is gone while a person is asked for.
  const asked = page.waitForRequest('**/api/chat/handoff');
  await page.getByRole('button', { name: 'Talk to a person' }).click();
  const sessionId = ((await asked).postDataJSON() as { sessionId: string }).sessionId;
  await expect(banner(page)).toContainText('Waiting for a person…');
  await expect(banner(page)).toContainText(HANDOVER);
  await expect(page.getByRole('button', { name: 'Talk to a person' })).toHaveCount(0);
  const modelCallsBefore = (await modelRequests(page)).length;

  // A message while waiting: shown as sent, no reply bubble, the banner says the team has it.
  await composer(page).fill('Are you there?');
  await composer(page).press('Enter');
  await expect(page.getByRole('article', { name: 'You said' }).filter({ hasText: 'Are you there?' })).toBeVisible();
  await expect(composer(page)).toHaveValue('');
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
  await expect(replies(page)).toHaveCount(1);

  // The agent takes over: the chat says so within 2 s.
  const ref = sessionRef(sessionId);
  expect((await adminCall(agent, `/api/admin/sessions/${ref}/take-over`)).status).toBe(200);
  await expect(banner(page)).toContainText(`${AGENT} from our team is answering`, { timeout: 2_000 });
  await expect(page.getByText(`${AGENT} from our team joined`)).toBeVisible();

  // The agent writes: the customer's open chat shows it within 2 s, named, with no thumbs.
  const sentAt = Date.now();
  expect((await adminCall(agent, `/api/admin/sessions/${ref}/messages`, { text: 'Hi, I am looking into your parcel now.' })).status).toBe(201);
  const first = agentSaid(page).filter({ hasText: 'Hi, I am looking into your parcel now.' });
  await expect(first).toBeVisible({ timeout: 2_000 });
  const deliveredMs = Date.now() - sentAt;
  test.info().annotations.push({ type: 'agent message delivered (ms)', description: String(deliveredMs) });
  await expect(first).toContainText(`${AGENT} · Support team`);
  await expect(first.getByRole('button', { name: 'Helpful' })).toHaveCount(0);

  // Light, dark, and a 360 px phone: axe clean, screenshots to look at.
  for (const [name, size, scheme] of [
    ['desktop-light', { width: 1280, height: 800 }, 'light'],
    ['desktop-dark', { width: 1280, height: 800 }, 'dark'],
    ['phone-light', { width: 360, height: 740 }, 'light'],
    ['phone-dark', { width: 360, height: 740 }, 'dark'],
  ] as const) {
    await page.setViewportSize(size);
    await page.emulateMedia({ colorScheme: scheme });
    expect(await seriousViolations(page), name).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, `handoff-agent-${name}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });

  // After a reload the agent's words are there, in order with the held message, and the wait resumes.
  await page.reload();
  await expect(first).toBeVisible();
  await expect(banner(page)).toContainText(`${AGENT} from our team is answering`);
  expect(await transcript(page)).toEqual([
    'You said: My parcel never arrived.',
    'Assistant said: I am sorry to hear that.',
    'You said: Are you there?',
    `${AGENT} from our team said: Hi, I am looking into your parcel now.`,
  ]);
  expect((await adminCall(agent, `/api/admin/sessions/${ref}/messages`, { text: 'Found it: it arrives tomorrow.' })).status).toBe(201);
  await expect(agentSaid(page).filter({ hasText: 'Found it: it arrives tomorrow.' })).toBeVisible({ timeout: 2_000 });

  // The model was not asked anything while a person had the conversation.
  expect((await modelRequests(page)).length).toBe(modelCallsBefore);

  // Handed back: the chat says so, the button is back, and the model answers the next message.
  expect((await adminCall(agent, `/api/admin/sessions/${ref}/hand-back`)).status).toBe(200);
  await expect(page.getByText('You’re chatting with the assistant again')).toBeVisible({ timeout: 2_000 });
  await expect(banner(page)).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Talk to a person' })).toBeVisible();
  await page.request.post(`${SERVICES_MOCK}/behaviour`, { data: { reply: 'Glad it is sorted. Anything else?' } });
  await composer(page).fill('Thank you!');
  await composer(page).press('Enter');
  await expect(replies(page).last()).toContainText('Glad it is sorted. Anything else?');
  await expect(replies(page).last()).toHaveAttribute('data-status', 'done');
  expect((await modelRequests(page)).length).toBe(modelCallsBefore + 1);
  await page.screenshot({ path: path.join(SHOTS, 'handoff-handed-back.png') });

  expect(errors).toEqual([]);
  await agent.context().close();
});

test('embedded on a shop: on another of its pages the agent’s words are there and keep arriving', async ({ browser, page }) => {
  test.setTimeout(90_000);
  const agent = await signedInAgent(browser);
  await page.request.post(`${SERVICES_MOCK}/behaviour`, { data: { reply: 'Happy to help.' } });

  let frame = await openWidget(page, `${HOST}/`);
  await composer(frame).fill('Which bike fits me?');
  await composer(frame).press('Enter');
  await expect(replies(frame).first()).toHaveAttribute('data-status', 'done');
  const asked = page.waitForRequest('**/api/chat/handoff');
  await frame.getByRole('button', { name: 'Talk to a person' }).click();
  const ref = sessionRef(((await asked).postDataJSON() as { sessionId: string }).sessionId);
  await expect(banner(frame)).toContainText('Waiting for a person…');

  expect((await adminCall(agent, `/api/admin/sessions/${ref}/take-over`)).status).toBe(200);
  expect((await adminCall(agent, `/api/admin/sessions/${ref}/messages`, { text: 'How tall are you?' })).status).toBe(201);
  await expect(agentSaid(frame).filter({ hasText: 'How tall are you?' })).toBeVisible({ timeout: 2_000 });

  // Another page of the shop: the same conversation, and the wait for news resumes there.
  frame = await openWidget(page, `${HOST}/page2`, true);
  await expect(page.getByRole('heading', { name: 'Our bikes' })).toBeVisible();
  await expect(agentSaid(frame).filter({ hasText: 'How tall are you?' })).toBeVisible();
  await expect(banner(frame)).toContainText(`${AGENT} from our team is answering`);
  expect((await adminCall(agent, `/api/admin/sessions/${ref}/messages`, { text: 'Then the M frame fits.' })).status).toBe(201);
  await expect(agentSaid(frame).filter({ hasText: 'Then the M frame fits.' })).toBeVisible({ timeout: 2_000 });

  // Resolved: the chat says so and the way to a person is back.
  expect((await adminCall(agent, `/api/admin/sessions/${ref}/resolve`)).status).toBe(200);
  await expect(frame.getByText('Our team marked this conversation as resolved.')).toBeVisible({ timeout: 2_000 });
  await expect(frame.getByRole('button', { name: 'Talk to a person' })).toBeVisible();
  await agent.context().close();
});

test('when the assistant hands over itself, the chat shows the notice the same way', async ({ page }) => {
  await page.request.post(`${SERVICES_MOCK}/behaviour`, {
    data: {
      toolCall: { name: 'handoff_to_human', arguments: JSON.stringify({ reason: 'refund request' }), content: 'Let me get a colleague.' },
    },
  });
  await page.goto('/widget');
  await composer(page).fill('I want a refund.');
  await composer(page).press('Enter');
  await expect(replies(page).first()).toContainText('Let me get a colleague.');
  await expect(banner(page)).toContainText('Waiting for a person…');
  // The deployment's words (handover, or off-hours when no console is open) under the title.
  await expect(banner(page).locator('p')).toHaveCount(2);
  await expect(page.getByRole('button', { name: 'Talk to a person' })).toHaveCount(0);
  await page.setViewportSize({ width: 360, height: 740 });
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: path.join(SHOTS, 'handoff-model-asked-phone.png') });
});
