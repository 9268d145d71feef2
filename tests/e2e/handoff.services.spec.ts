import { mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { E2E_ACCOUNTS } from '../support/e2e-accounts';
import { SERVICES_MOCK } from './ports';

/**
 * The whole handoff by clicking, the customer's chat and /admin side by side in two browser
 * contexts (issue 20): "Talk to a person" → the inbox → "Take over" → "Send" → the customer's
 * answer → "Hand back to assistant" (the model answers again) → "Resolve". The customer on a 360 px
 * phone, the agent on a desktop; light and dark; axe; no console errors; screenshots to look at.
 */

const SHOTS = path.join('test-results', 'screenshots');
const AGENT = 'E2E agent';

async function serious(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Axe in light and dark, with a screenshot of each. */
async function looks(page: Page, name: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(SHOTS, `handoff-both-${name}-${scheme}.png`) });
    found.push(...(await serious(page)).map((v) => `${name} ${scheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

function watch(page: Page, errors: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
}

test.afterEach(async ({ request }) => {
  await request.post(`${SERVICES_MOCK}/reset`).catch(() => undefined);
});

test('a customer and an agent, side by side: the whole handoff by its labelled controls', async ({ browser }) => {
  test.setTimeout(150_000);
  mkdirSync(SHOTS, { recursive: true });
  const baseURL = test.info().project.use.baseURL;
  const customer = await (await browser.newContext({ baseURL, viewport: { width: 360, height: 740 } })).newPage();
  const agent = await (await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } })).newPage();
  const errors: string[] = [];
  watch(customer, errors);
  watch(agent, errors);
  const violations: string[] = [];
  const modelCalls = async () => ((await (await customer.request.get(`${SERVICES_MOCK}/requests`)).json()) as unknown[]).length;

  // The agent has the inbox open.
  await agent.goto('/admin/inbox');
  await agent.getByLabel('E-mail').fill(E2E_ACCOUNTS.agent.email);
  await agent.getByLabel('Password').fill(E2E_ACCOUNTS.agent.password);
  await agent.getByRole('button', { name: 'Sign in' }).click();
  await expect(agent.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();

  // The customer chats with the assistant, then asks for a person.
  await customer.request.post(`${SERVICES_MOCK}/behaviour`, { data: { reply: 'I am sorry to hear that.' } });
  await customer.goto('/');
  const composer = customer.getByRole('textbox', { name: 'Message' });
  await composer.fill('My bike arrived broken.');
  await composer.press('Enter');
  await expect(customer.getByRole('article', { name: 'Assistant said' }).first()).toHaveAttribute('data-status', 'done');
  await customer.getByRole('button', { name: 'Talk to a person' }).click();
  await expect(customer.locator('[data-handoff]')).toContainText('Waiting for a person…');
  const before = await modelCalls();

  // It is in the agent's inbox within 2 s; "Take over" opens it, and the customer is told.
  const row = agent.getByRole('listitem').filter({ hasText: 'My bike arrived broken.' });
  await expect(row).toBeVisible({ timeout: 2_000 });
  violations.push(...(await looks(agent, 'inbox')));
  await row.getByRole('button', { name: 'Take over' }).click();
  const controls = agent.getByRole('region', { name: 'Who answers' });
  await expect(controls).toContainText('You answer');
  await expect(customer.locator('[data-handoff]')).toContainText(`${AGENT} from our team is answering`, { timeout: 2_000 });

  // "Send": the customer's open chat shows the agent's words within 2 s.
  await controls.getByLabel('Message to the customer').fill('Hello, I am sorry. A new wheel is on its way.');
  await controls.getByRole('button', { name: 'Send' }).click();
  await expect(
    customer.getByRole('article', { name: `${AGENT} from our team said` }).filter({ hasText: 'A new wheel is on its way.' }),
  ).toBeVisible({ timeout: 2_000 });
  violations.push(...(await looks(customer, 'customer-agent')));

  // The customer answers; the agent sees it live; the model was asked nothing.
  await composer.fill('Thank you! Will it fit a 28-inch frame?');
  await composer.press('Enter');
  await expect(agent.getByText('Thank you! Will it fit a 28-inch frame?')).toBeVisible({ timeout: 4_000 });
  expect(await modelCalls()).toBe(before);
  violations.push(...(await looks(agent, 'transcript')));

  // "Hand back to assistant": the chat says so and the model answers the next message.
  await controls.getByRole('button', { name: 'Hand back to assistant' }).click();
  await expect(controls).toContainText('The assistant answers');
  await expect(customer.getByText('You’re chatting with the assistant again')).toBeVisible({ timeout: 4_000 });
  await customer.request.post(`${SERVICES_MOCK}/behaviour`, { data: { reply: 'The wheel fits 28-inch frames.' } });
  await composer.fill('And when will it arrive?');
  await composer.press('Enter');
  await expect(customer.getByRole('article', { name: 'Assistant said' }).filter({ hasText: 'The wheel fits 28-inch frames.' })).toBeVisible();
  expect(await modelCalls()).toBe(before + 1);
  violations.push(...(await looks(customer, 'customer-back')));

  // "Resolve".
  await controls.getByRole('button', { name: 'Resolve' }).click();
  await expect(controls).toContainText('Resolved');

  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
});
