import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type APIRequestContext, expect, test, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { sessionRef } from '../../lib/session-ref';
import { E2E_ACCOUNTS } from '../support/e2e-accounts';
import { SERVICES_MOCK } from './ports';
import { seriousViolations, signIn, watchConsole } from './console';

/**
 * The review queue (issue 22) on the production build, services stack: a conversation whose reply
 * the customer rated down and one whose turn ended in a model error enter /admin/review by rule; an
 * agent takes one with the keyboard (it shows under "Assigned to me"); a second reviewer sees "In
 * review by E2E agent" on the conversation and their Take is refused visibly; the agent walks their
 * items with j/k, opens one with Enter, marks it done with d and moves on with n. Light and dark,
 * 360 px, axe, no console errors; screenshots in test-results/screenshots.
 */

const SHOTS = path.join('test-results', 'screenshots');

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

async function conversation(request: APIRequestContext, text: string): Promise<{ sessionId: string; ref: string; auditId: string; status: number }> {
  const created = await request.post('/api/session');
  expect(created.status()).toBe(201);
  const { sessionId } = (await created.json()) as { sessionId: string };
  const turn = await request.post('/api/chat', { data: { sessionId, text }, headers: { accept: 'application/json' } });
  const body = (await turn.json().catch(() => ({}))) as { auditId?: string };
  return { sessionId, ref: sessionRef(sessionId), auditId: body.auditId ?? '', status: turn.status() };
}

/**
 * The queue item of `ref` on a tab filtered by reason, paging on ("More items") if other specs
 * filled the first page; the page reloads until the drainer has brought the turn to Postgres.
 */
async function findItem(page: Page, tab: string, reason: string, ref: string): Promise<Locator> {
  const row = page.getByRole('listitem', { name: `Conversation ${ref}` });
  await expect(async () => {
    await page.goto(`/admin/review?tab=${tab}&reason=${reason}`);
    for (;;) {
      if (await row.isVisible()) return;
      const more = page.getByRole('link', { name: 'More items →' });
      if (!(await more.isVisible())) break;
      await more.click();
      await page.waitForLoadState();
    }
    throw new Error(`${ref} not (yet) in ${tab}/${reason}`);
  }).toPass({ timeout: 15_000 });
  return row;
}

test('conversations enter the review queue by rule; an agent takes, a second reviewer is refused, keyboard flow to done', async ({
  browser,
  request,
}) => {
  test.setTimeout(150_000);
  mkdirSync(SHOTS, { recursive: true });
  const word = randomBytes(3).toString('hex');

  // A customer rates a reply down (the widget's own endpoint) …
  const rated = await conversation(request, `My parcel ${word} is late`);
  expect(rated.status).toBe(200);
  expect((await request.post('/api/feedback', { data: { sessionId: rated.sessionId, auditId: rated.auditId, rating: 'down' } })).status()).toBe(204);
  // … and another customer's turn ends in a model error (every retry fails at the mock model).
  await request.post(`${SERVICES_MOCK}/behaviour`, { data: { faults: ['500', '500', '500', '500', '500', '500'] } });
  const failed = await conversation(request, `Refund ${word} please`);
  await request.post(`${SERVICES_MOCK}/behaviour`, { data: { faults: [] } });

  const agentContext = await newContext(browser, 1280);
  const adminContext = await newContext(browser, 360);
  const agentPage = await agentContext.newPage();
  const adminPage = await adminContext.newPage();
  const problems: string[] = [];
  watchConsole(agentPage, problems);
  // The second reviewer's refused Take is a 409 by contract; the browser logs that response itself.
  watchConsole(adminPage, problems, [/status of 409/]);
  const violations: string[] = [];

  await signIn(agentPage, E2E_ACCOUNTS.agent, '/admin/review');
  await expect(agentPage.getByRole('heading', { name: 'Review', level: 1 })).toBeVisible();

  // Both are in "To review", by their rule, with when they entered and no assignee.
  const failedRow = await findItem(agentPage, 'to_review', 'model_error', failed.ref);
  await expect(failedRow).toContainText('Model error');
  await expect(failedRow).toContainText('To review');
  const ratedRow = await findItem(agentPage, 'to_review', 'thumbs_down', rated.ref);
  await expect(ratedRow).toContainText('Thumbs down');
  await expect(ratedRow.locator('time')).toBeVisible();
  await expect(agentPage.getByRole('link', { name: /^Review ?\d+ to review$/ })).toBeVisible();
  violations.push(...(await checkLooks(agentPage, 'review-queue-1280')));
  await agentPage.setViewportSize({ width: 360, height: 900 });
  violations.push(...(await checkLooks(agentPage, 'review-queue-360')));
  await agentPage.setViewportSize({ width: 1280, height: 900 });

  // The agent takes the thumbs-down item with the keyboard: select it, press t.
  await ratedRow.getByRole('link', { name: rated.ref }).focus();
  await agentPage.keyboard.press('t');
  // Taken, it leaves "To review" for "Assigned to me", and the page says so.
  await expect(agentPage.getByRole('status').filter({ hasText: `You took ${rated.ref}` })).toBeVisible();
  await expect(ratedRow).toBeHidden();
  await agentPage.getByRole('link', { name: /^Assigned to me \(\d+\)/ }).click();
  await expect(agentPage.getByRole('listitem', { name: `Conversation ${rated.ref}` })).toContainText('In review by you');

  // A second reviewer (the admin, on a phone) opens that conversation: who has it is on the page,
  // and their Take is answered with the conflict, visibly.
  await signIn(adminPage, E2E_ACCOUNTS.admin, `/admin/sessions/${rated.ref}`);
  const adminBar = adminPage.getByRole('region', { name: 'Review queue' });
  await expect(adminBar).toContainText('In review by E2E agent');
  await expect(adminBar).toContainText('Thumbs down');
  await adminBar.getByRole('button', { name: 'Take' }).click();
  await expect(adminBar.getByRole('alert')).toHaveText('E2E agent is already reviewing this conversation.');
  await expect(adminBar).toContainText('In review by E2E agent');
  violations.push(...(await checkLooks(adminPage, 'review-bar-taken-360')));
  // Admins set the rules on the queue page.
  await adminPage.goto('/admin/review');
  await expect(adminPage.getByRole('checkbox', { name: /Thumbs down/ })).toBeChecked();
  await expect(adminPage.getByLabel('Random sample of new conversations (%)')).toBeVisible();
  violations.push(...(await checkLooks(adminPage, 'review-rules-360')));

  // The agent takes the model-error item with its button too: "Assigned to me" holds both, oldest first.
  const failedAgain = await findItem(agentPage, 'to_review', 'model_error', failed.ref);
  await failedAgain.getByRole('button', { name: `Take ${failed.ref}` }).click();
  await expect(agentPage.getByRole('status').filter({ hasText: `You took ${failed.ref}` })).toBeVisible();
  await expect(failedAgain).toBeHidden();
  await agentPage.goto('/admin/review?tab=mine');
  const mine = agentPage.getByRole('list', { name: 'Review items' }).locator('[data-nav]');
  await expect(mine).toHaveCount(2);
  await expect(mine.nth(0)).toHaveText(rated.ref);
  await expect(mine.nth(1)).toHaveText(failed.ref);

  // Keyboard: j, j, k lands on the first; Enter opens it; d marks it done; n moves to the next item.
  await agentPage.locator('body').click({ position: { x: 5, y: 5 } });
  await agentPage.keyboard.press('j');
  await expect(mine.nth(0)).toBeFocused();
  await agentPage.keyboard.press('j');
  await expect(mine.nth(1)).toBeFocused();
  await agentPage.keyboard.press('k');
  await expect(mine.nth(0)).toBeFocused();
  await agentPage.keyboard.press('Enter');
  await expect(agentPage).toHaveURL(new RegExp(`/admin/sessions/${rated.ref}$`));
  const bar = agentPage.getByRole('region', { name: 'Review queue' });
  await expect(bar).toContainText('In review by you');
  violations.push(...(await checkLooks(agentPage, 'review-bar-mine-1280')));
  await agentPage.keyboard.press('d');
  await expect(bar).toContainText('Reviewed by you');
  await expect(bar.getByRole('link', { name: 'Next' })).toBeVisible();
  await agentPage.keyboard.press('n');
  await expect(agentPage).not.toHaveURL(new RegExp(`/admin/sessions/${rated.ref}$`));
  await expect(agentPage.getByRole('region', { name: 'Review queue' })).toBeVisible();

  // The model-error item, done with its button; both are under "Done", reviewed by the agent.
  await agentPage.goto(`/admin/sessions/${failed.ref}`);
  await bar.getByRole('button', { name: 'Mark done' }).click();
  await expect(bar).toContainText('Reviewed by you');
  await expect(bar.getByRole('button', { name: 'Add to review queue' })).toBeVisible();
  await agentPage.goto('/admin/review?tab=mine');
  await expect(agentPage.getByRole('list', { name: 'Review items' })).toHaveCount(0);
  for (const ref of [rated.ref, failed.ref]) {
    const row = await findItem(agentPage, 'done', '', ref);
    await expect(row).toContainText('Reviewed by you');
  }
  violations.push(...(await checkLooks(agentPage, 'review-done-1280')));

  expect(violations).toEqual([]);
  expect(problems).toEqual([]);
  await agentContext.close();
  await adminContext.close();
});
