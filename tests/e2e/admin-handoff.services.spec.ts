import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { sessionRef } from '../../lib/session-ref';
import { E2E_ACCOUNTS, type E2EAccount } from '../support/e2e-accounts';
import { seriousViolations, watchConsole } from './console';

/**
 * The agent's side of a handoff (issue 20) on the production build, services stack: a customer asks
 * for a person; the conversation shows in the open inbox within 2 s; the agent takes it over from
 * there, writes, sees the customer's answer arrive live, hands back and resolves; a second agent
 * pressing "Take over" on their (paused) page hears who has it. Light and dark, 360 px, axe, no
 * console errors, screenshots in test-results/screenshots.
 */

const SHOTS = path.join('test-results', 'screenshots');

async function signIn(page: Page, account: E2EAccount, startAt: string): Promise<void> {
  await page.goto(startAt);
  await expect(page).toHaveURL(/\/admin\/sign-in\?callbackUrl=/);
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // At 360 px the sign-out button is behind the menu toggle: leaving the sign-in page is the sign.
  await expect(page).not.toHaveURL(/sign-in/);
}

/** Console errors and page errors; `expected` names the network lines a test causes on purpose. */
/** Axe in light and dark at the page's current size, with a screenshot of each. */
async function checkLooks(page: Page, name: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
    found.push(...(await seriousViolations(page)).map((v) => `${name} ${scheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

async function newContext(browser: Browser, width: number): Promise<BrowserContext> {
  return browser.newContext({ baseURL: test.info().project.use.baseURL, viewport: { width, height: 900 } });
}

test('a person steps in from /admin: inbox, take over, write, live reply, hand back, resolve; a second agent hears who has it', async ({
  browser,
  request,
}) => {
  test.setTimeout(150_000);
  mkdirSync(SHOTS, { recursive: true });
  const word = randomBytes(3).toString('hex');

  // The customer's conversation: one answered turn before they ask for a person.
  const created = await request.post('/api/session');
  expect(created.status()).toBe(201);
  const { sessionId } = (await created.json()) as { sessionId: string };
  const ref = sessionRef(sessionId);
  const chat = (text: string) => request.post('/api/chat', { data: { sessionId, text }, headers: { accept: 'application/json' } });
  expect((await chat(`Where is my parcel ${word}?`)).status()).toBe(200);

  const agentContext = await newContext(browser, 1280);
  const adminContext = await newContext(browser, 360);
  const agentPage = await agentContext.newPage();
  const adminPage = await adminContext.newPage();
  const problems: string[] = [];
  watchConsole(agentPage, problems);
  // The second agent's refused "Take over" is a 409 by contract; the browser logs that response itself.
  watchConsole(adminPage, problems, [/status of 409/]);
  const violations: string[] = [];

  await signIn(agentPage, E2E_ACCOUNTS.agent, '/admin/inbox');
  await expect(agentPage.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
  await expect(agentPage.locator('[data-live="live"]')).toBeVisible();
  await signIn(adminPage, E2E_ACCOUNTS.admin, '/admin/inbox');

  // The customer asks for a person: the open inbox shows it within 2 s, with why and their last words.
  const asked = await request.post('/api/chat/handoff', { data: { sessionId } });
  expect(asked.status()).toBe(200);
  const askedAt = Date.now();
  const row = agentPage.getByRole('listitem', { name: `Conversation ${ref}` });
  await expect(row).toBeVisible({ timeout: 2_000 });
  const seenAfterMs = Date.now() - askedAt;
  test.info().annotations.push({ type: 'inbox latency', description: `${seenAfterMs} ms` });
  console.log(`handoff → inbox row: ${seenAfterMs} ms`);
  await expect(row).toContainText('Customer asked');
  await expect(row).toContainText(`Where is my parcel ${word}?`);
  await expect(row).toContainText(/waiting (under 1|\d+) min/);
  await expect(agentPage.getByText(/\d+ agents? online/)).toBeVisible();
  await expect(agentPage.getByRole('link', { name: /^Inbox ?\d+ waiting$/ })).toBeVisible();
  violations.push(...(await checkLooks(agentPage, 'handoff-inbox-1280')));
  await agentPage.setViewportSize({ width: 360, height: 900 });
  violations.push(...(await checkLooks(agentPage, 'handoff-inbox-360')));
  await agentPage.setViewportSize({ width: 1280, height: 900 });

  // The second agent opens the same conversation and pauses their page (it stays as it was: waiting).
  await adminPage.goto(`/admin/sessions/${ref}`);
  const adminControls = adminPage.getByRole('region', { name: 'Who answers' });
  await expect(adminControls).toContainText('Waiting for a person');
  await adminPage.getByRole('button', { name: 'Pause' }).click();
  await expect(adminPage.getByRole('button', { name: 'Resume' })).toBeVisible();

  // The agent takes it over from the inbox and lands on the transcript with a composer.
  await row.getByRole('button', { name: 'Take over' }).click();
  await expect(agentPage).toHaveURL(new RegExp(`/admin/sessions/${ref}$`));
  const controls = agentPage.getByRole('region', { name: 'Who answers' });
  await expect(controls).toContainText('You answer');
  await expect(agentPage.getByText('Customer asked for a person')).toBeVisible();
  await expect(agentPage.getByText('E2E agent took over')).toBeVisible();

  // The second agent, a moment late, hears who has it, in plain words on their page.
  await adminControls.getByRole('button', { name: 'Take over' }).click();
  await expect(adminControls.getByRole('alert')).toHaveText('E2E agent is already answering this conversation.');
  await expect(adminControls).toContainText('E2E agent answers');
  violations.push(...(await checkLooks(adminPage, 'handoff-conflict-360')));

  // The agent writes; their message shows in the transcript under their name.
  const reply = `Hi, I am looking into parcel ${word} now.`;
  await controls.getByLabel('Message to the customer').fill(reply);
  await controls.getByRole('button', { name: 'Send' }).click();
  await expect(controls.getByLabel('Message to the customer')).toHaveValue('');
  const agentMessage = agentPage.getByRole('listitem', { name: 'Message from E2E agent' });
  await expect(agentMessage).toContainText(reply);

  // The customer answers: held for the agent (no model reply) and shown live on the agent's page.
  const answer = await chat(`Order number ${word}-42`);
  expect(answer.status()).toBe(200);
  const answeredAt = Date.now();
  await expect(agentPage.getByText(`Order number ${word}-42`)).toBeVisible({ timeout: 4_000 });
  console.log(`customer reply → agent's transcript: ${Date.now() - answeredAt} ms`);
  await expect(agentPage.locator('[data-held="true"]')).toHaveCount(1);
  await agentPage.setViewportSize({ width: 360, height: 900 });
  violations.push(...(await checkLooks(agentPage, 'handoff-transcript-360')));
  await agentPage.setViewportSize({ width: 1280, height: 900 });
  violations.push(...(await checkLooks(agentPage, 'handoff-transcript-1280')));

  // Hand back, then resolve: each shows as the state and as a line in the transcript.
  await controls.getByRole('button', { name: 'Hand back to assistant' }).click();
  await expect(controls).toContainText('The assistant answers');
  await expect(controls.getByLabel('Message to the customer')).toHaveCount(0);
  await expect(agentPage.getByText('E2E agent handed back to the assistant')).toBeVisible();
  await controls.getByRole('button', { name: 'Resolve' }).click();
  await expect(controls).toContainText('Resolved');
  await expect(agentPage.getByText('Resolved by E2E agent')).toBeVisible();
  await expect(controls.getByRole('button', { name: 'Take over' })).toHaveCount(0);

  // The print view and the export carry the same story.
  await agentPage.goto(`/admin/sessions/${ref}/print`);
  await expect(agentPage.getByText('E2E agent took over')).toBeVisible();
  await expect(agentPage.getByText(reply)).toBeVisible();
  const exported = await agentPage.request.get(`/api/admin/sessions/${ref}/export?format=jsonl`);
  const labels = (await exported.text())
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; label?: string })
    .filter((line) => line.type === 'event')
    .map((line) => line.label);
  expect(labels).toEqual([
    'Customer asked for a person',
    'E2E agent took over',
    'E2E agent',
    'E2E agent handed back to the assistant',
    'Resolved by E2E agent',
  ]);

  // Gone from the inbox.
  await agentPage.goto('/admin/inbox');
  await expect(agentPage.getByRole('listitem', { name: `Conversation ${ref}` })).toHaveCount(0);
  // The sessions list marks it resolved.
  await agentPage.goto('/admin/sessions');
  const listed = agentPage.locator('tbody tr', { has: agentPage.getByRole('link', { name: ref }) });
  await expect(listed.locator('[data-conversation-state="resolved"]')).toHaveText('Resolved');

  expect(violations).toEqual([]);
  expect(problems).toEqual([]);
  await agentContext.close();
  await adminContext.close();
});
