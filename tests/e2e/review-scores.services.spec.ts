import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { sessionRef } from '../../lib/session-ref';
import { isoWeekName } from '../../lib/review/trend';
import { E2E_ACCOUNTS, type E2EAccount } from '../support/e2e-accounts';
import { seriousViolations, signIn, watchConsole } from './console';

/**
 * Review scores on the production build (issue 22): two agents score a thumbs-down conversation
 * with a three-criterion rubric (per reply and per conversation), one writes a correction and sees
 * the diff, the second's scores show agreement figures; the list filters by score and the overview
 * shows the weekly trend; an admin changes the rubric; axe, dark mode, 360 px, no console errors.
 */

const SCREENSHOTS = path.join('test-results', 'screenshots');
const suffix = randomBytes(4).toString('hex');
const second: E2EAccount = { email: `second-reviewer-${suffix}@e2e.test`, password: 'second-reviewer-password', role: 'agent' };
let ref = '';

/** A conversation through the real chat, and the customer's thumbs-down on its first reply. */
async function thumbsDownConversation(request: APIRequestContext): Promise<string> {
  const created = await request.post('/api/session');
  expect(created.status()).toBe(201);
  const { sessionId } = (await created.json()) as { sessionId: string };
  const auditIds: string[] = [];
  for (const text of [`My parcel ${suffix} is late, where is it?`, 'Can I get a refund then?']) {
    const turn = await request.post('/api/chat', { data: { sessionId, text }, headers: { accept: 'application/json' } });
    expect(turn.status()).toBe(200);
    auditIds.push(((await turn.json()) as { auditId: string }).auditId);
  }
  const rated = await request.post('/api/feedback', { data: { sessionId, auditId: auditIds[0], rating: 'down' } });
  expect(rated.status()).toBe(204);
  return sessionRef(sessionId);
}

/** A same-origin POST from the console page, as its own client code makes it; its status. */
function postFromPage(page: Page, url: string, body: unknown): Promise<number> {
  return page.evaluate(
    async ([path, data]) => (await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) })).status,
    [url, body] as const,
  );
}

/** Picks a value in a criterion's radio group and waits for the server to keep it. */
async function pick(page: Page, region: string, criterion: RegExp, value: string): Promise<void> {
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/admin/review/scores') && r.request().method() === 'PUT');
  await page.getByRole('region', { name: region }).getByRole('group', { name: criterion }).getByRole('radio', { name: value, exact: true }).check();
  expect((await saved).status()).toBe(200);
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request, browser }) => {
  ref = await thumbsDownConversation(request);
  // A second reviewer, made by an admin as the Agents page does.
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, E2E_ACCOUNTS.admin, '/admin/agents');
  expect(await postFromPage(page, '/api/admin/agents', { email: second.email, name: 'Second Reviewer', role: 'agent', password: second.password })).toBe(201);
  await context.close();
});

test('two agents score a conversation per reply and per conversation, write a correction, and see agreement', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const problems: string[] = [];
  watchConsole(page, problems);
  await signIn(page, E2E_ACCOUNTS.agent, `/admin/sessions/${ref}`);
  // The customer's thumbs-down is on the first reply; scores sit under each reply.
  const firstTurn = page.getByRole('listitem', { name: 'Turn 1' });
  await expect(firstTurn.locator('[data-feedback="down"]')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Scores for reply 1' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Scores for reply 2' })).toBeVisible();

  // Three criteria: Correct (per reply), Helpful (both), Should have handed off (conversation).
  await pick(page, 'Scores for reply 1', /^Correct/, 'No');
  await pick(page, 'Scores for reply 1', /^Helpful/, '2');
  await pick(page, 'Whole conversation', /^Helpful/, '2');
  await pick(page, 'Whole conversation', /^Should have handed off/, 'Yes');
  await page.reload();
  const reply1 = page.getByRole('region', { name: 'Scores for reply 1' });
  await expect(reply1.getByRole('group', { name: /^Correct/ }).getByRole('radio', { name: 'No', exact: true })).toBeChecked();
  await expect(reply1.getByRole('group', { name: /^Helpful/ }).getByRole('radio', { name: '2', exact: true })).toBeChecked();
  await expect(page.getByTestId('item-agreement')).toHaveText('Agreement shows once two reviewers score the same thing.');
  // Keyboard: the radio group moves with the arrow keys, and the move is saved.
  const tone = reply1.getByRole('group', { name: /^Tone/ });
  // Listen before acting: the answer can arrive before a listener set up afterwards.
  const first = page.waitForResponse((r) => r.url().endsWith('/api/admin/review/scores'));
  await tone.getByRole('radio', { name: '3', exact: true }).check();
  await first;
  const moved = page.waitForResponse((r) => r.url().endsWith('/api/admin/review/scores'));
  await page.keyboard.press('ArrowRight');
  expect((await moved).status()).toBe(200);
  await expect(tone.getByRole('radio', { name: '4', exact: true })).toBeChecked();
  await tone.getByRole('button', { name: 'Clear my Tone score' }).click();
  await expect(tone.getByRole('radio', { name: '4', exact: true })).not.toBeChecked();

  // A correction, kept as typed, beside the original with a visible diff.
  await firstTurn.getByRole('button', { name: 'Write correction' }).click();
  const editor = firstTurn.getByRole('textbox', { name: 'What it should have said' });
  await expect(editor).toBeFocused();
  const correction = `Your parcel ${suffix} ships tomorrow; here is the tracking link.`;
  await editor.fill(correction);
  await firstTurn.getByRole('button', { name: 'Save correction' }).click();
  const shown = firstTurn.getByRole('region', { name: 'Correction' });
  await expect(shown.getByTestId('correction-text')).toHaveText(correction);
  await expect(shown.locator('ins').first()).toBeVisible();
  await expect(shown.locator('del').first()).toBeVisible();
  await expect(shown.getByTestId('correction-diff')).toContainText('ships tomorrow');
  await expect(shown.getByText('Original reply')).toBeVisible();
  await expect(firstTurn.getByRole('button', { name: 'Edit correction' })).toBeVisible();

  // The second reviewer: agrees on Correct and the conversation's Helpful, differs by 2 on the reply's Helpful.
  const other = await browser.newContext();
  const page2 = await other.newPage();
  watchConsole(page2, problems);
  await signIn(page2, second, `/admin/sessions/${ref}`);
  const reply1b = page2.getByRole('region', { name: 'Scores for reply 1' });
  await expect(reply1b.getByRole('group', { name: /^Correct/ }).getByTestId('score-summary')).toContainText('Others: E2E agent no');
  await pick(page2, 'Scores for reply 1', /^Correct/, 'No');
  await pick(page2, 'Scores for reply 1', /^Helpful/, '4');
  await pick(page2, 'Whole conversation', /^Helpful/, '2');
  await page2.reload();
  await expect(page2.getByRole('region', { name: 'Scores for reply 1' }).getByRole('group', { name: /^Correct/ })).toContainText('Agreement 100% exact (1 pair)');
  await expect(page2.getByRole('region', { name: 'Scores for reply 1' }).getByRole('group', { name: /^Helpful/ })).toContainText(
    'Agreement 0% exact · mean difference 2 (1 pair)',
  );
  await expect(page2.getByTestId('item-agreement')).toHaveText('This conversation: Agreement 66.7% exact · mean difference 1 (3 pairs)');
  // The correction is one per reply: the second reviewer sees it.
  await expect(page2.getByRole('listitem', { name: 'Turn 1' }).getByTestId('correction-text')).toHaveText(correction);
  await other.close();

  // The first agent sees the second's scores and the figures too.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Scores for reply 1' }).getByRole('group', { name: /^Helpful/ })).toContainText('Others: Second Reviewer 4/5');
  await expect(page.getByTestId('item-agreement')).toContainText('66.7% exact');
  expect(problems).toEqual([]);
});

test('the list filters by score and shows the mean; the overview shows the weekly trend', async ({ page }) => {
  const problems: string[] = [];
  watchConsole(page, problems);
  await signIn(page, E2E_ACCOUNTS.agent, '/admin/sessions');
  // The filter form: Helpful at most 3 (this conversation's mean is (2 + 2 + 4 + 2) / 4 = 2.5).
  await page.getByRole('combobox', { name: 'Score', exact: true }).selectOption('helpful');
  await page.getByRole('spinbutton', { name: 'Score at most' }).fill('3');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/score=helpful/);
  const row = page.locator('tbody tr', { has: page.getByRole('link', { name: ref }) });
  await expect(row).toBeVisible();
  await expect(row.locator('[data-score="helpful"]')).toHaveText('2.5/5');
  await expect(row.locator('[data-score="should_have_handed_off"]')).toHaveText('100% yes');
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'review-scores-list-desktop.png') });
  await page.goto('/admin/sessions?score=helpful&scoreMin=3');
  await expect(page.getByRole('heading', { name: 'Sessions', level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: ref })).toHaveCount(0);

  await page.goto('/admin');
  const trend = page.getByRole('region', { name: 'Review scores by week' });
  await expect(trend.getByTestId('score-trend-summary')).toContainText('Agreement:');
  const week = isoWeekName(new Date());
  await expect(trend.getByRole('row', { name: new RegExp(`${week} Helpful v\\d`) }).first()).toBeVisible();
  await expect(trend.getByRole('row', { name: new RegExp(`^${week} .*% exact`) })).toBeVisible();
  await expect(trend.locator('canvas').first()).toBeVisible();
  await trend.screenshot({ path: path.join(SCREENSHOTS, 'review-scores-trend-desktop.png') });
  expect(problems).toEqual([]);
});

test('an admin adds, changes and removes a criterion; agents only read the rubric', async ({ page, browser }) => {
  const problems: string[] = [];
  watchConsole(page, problems);
  await signIn(page, E2E_ACCOUNTS.admin, '/admin/review/rubric');
  await expect(page.getByRole('heading', { name: 'Rubric', level: 1 })).toBeVisible();
  const key = `empathy_${suffix}`;
  const add = page.getByRole('form', { name: 'Add a criterion' });
  await add.getByLabel('Key (lower-case, never changes)').fill(key);
  await add.getByLabel('Label').fill('Empathy');
  await add.getByLabel('Description').fill('1: cold · 4: warm');
  await add.getByLabel('Scored on').selectOption('conversation');
  await add.getByLabel('Highest value').fill('4');
  await add.getByRole('button', { name: 'Add criterion' }).click();
  const item = page.getByRole('listitem', { name: 'Empathy' });
  await expect(item).toContainText('v1');
  await expect(item).toContainText('scale 1–4');
  await item.getByRole('button', { name: 'Edit Empathy' }).click();
  const edit = page.getByRole('form', { name: 'Edit Empathy' });
  await edit.getByLabel('Label').fill('Empathy shown');
  await edit.getByLabel('Highest value').fill('3');
  await edit.getByRole('button', { name: 'Save as v2' }).click();
  const changed = page.getByRole('listitem', { name: 'Empathy shown' });
  await expect(changed).toContainText('v2');
  await expect(changed).toContainText('scale 1–3');
  await expect(page.getByRole('region', { name: 'Earlier versions' }).getByRole('row', { name: /Empathy .*v1 scale 1–4/ })).toBeVisible();
  await changed.getByRole('button', { name: 'Remove Empathy shown' }).click();
  await changed.getByRole('button', { name: 'Confirm remove' }).click();
  await expect(page.getByRole('listitem', { name: 'Empathy shown' })).toHaveCount(0);

  const agentContext = await browser.newContext();
  const agentPage = await agentContext.newPage();
  await signIn(agentPage, E2E_ACCOUNTS.agent, '/admin/review/rubric');
  await expect(agentPage.getByRole('listitem', { name: 'Helpful' })).toBeVisible();
  await expect(agentPage.getByRole('button', { name: 'Add criterion' })).toHaveCount(0);
  expect(await postFromPage(agentPage, '/api/admin/review/rubric', { key: 'nope', label: 'Nope', kind: 'yes_no', appliesTo: 'turn' })).toBe(403);
  await agentContext.close();
  expect(problems).toEqual([]);
});

async function phone(browser: Browser, scheme: 'light' | 'dark') {
  const context = await browser.newContext({ viewport: { width: 360, height: 800 }, colorScheme: scheme, isMobile: true, hasTouch: true });
  return { context, page: await context.newPage() };
}

test('axe finds nothing serious, light and dark; at 360 px nothing scrolls sideways; screenshots saved', async ({ page, browser }) => {
  test.setTimeout(240_000);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const pages = [`/admin/sessions/${ref}`, '/admin/review/rubric', '/admin/sessions?score=helpful&scoreMax=3', '/admin'];
  const found: string[] = [];
  await signIn(page, E2E_ACCOUNTS.admin, '/admin');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const at of pages) {
      await page.goto(at);
      await page.waitForLoadState('networkidle');
      for (const violation of await seriousViolations(page, { openDetails: true })) found.push(`${scheme} ${at}: ${violation}`);
    }
    const { context, page: small } = await phone(browser, scheme);
    const problems: string[] = [];
    watchConsole(small, problems);
    await signIn(small, E2E_ACCOUNTS.agent, '/admin');
    for (const [index, at] of pages.entries()) {
      await small.goto(at);
      await small.waitForLoadState('networkidle');
      const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${at} at 360 px (${scheme}) scrolls sideways`).toBeLessThanOrEqual(0);
      await small.screenshot({ path: path.join(SCREENSHOTS, `review-scores-${index}-360-${scheme}.png`), fullPage: true });
    }
    expect(problems).toEqual([]);
    await context.close();
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/admin/sessions/${ref}`);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'review-scores-conversation-desktop.png'), fullPage: true });
  expect(found).toEqual([]);
});
