import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type APIRequestContext, type Page, test } from '@playwright/test';
import postgres from 'postgres';
import { sessionRef } from '../../lib/session-ref';
import { E2E_ACCOUNTS } from '../support/e2e-accounts';
import { SERVICES_MOCK, SERVICES_PORT, stackInfoFile } from './ports';
import { watchConsole } from './console';

/**
 * Datasets and replays (issue 22) on the production build, services stack: reviewed conversations
 * become a dataset, the admin exports it (JSONL with the exact messages, no session id), starts a
 * replay with a changed system prompt, watches its progress, reads original | correction |
 * candidate side by side with its cost, and cancels a slow one. Axe in light and dark, 1280 and
 * 360 px, no console errors; screenshots in test-results/screenshots.
 */

const SHOTS = path.join('test-results', 'screenshots');

function stackDatabase(): postgres.Sql {
  const { databaseUrl } = JSON.parse(readFileSync(stackInfoFile(SERVICES_PORT), 'utf8')) as { databaseUrl: string };
  return postgres(databaseUrl, { max: 1, onnotice: () => {} });
}

async function chat(request: APIRequestContext, texts: string[]): Promise<{ sessionId: string; auditIds: string[] }> {
  const created = await request.post('/api/session');
  expect(created.status()).toBe(201);
  const { sessionId } = (await created.json()) as { sessionId: string };
  const auditIds: string[] = [];
  for (const text of texts) {
    const turn = await request.post('/api/chat', { data: { sessionId, text }, headers: { accept: 'application/json' } });
    expect(turn.status()).toBe(200);
    auditIds.push(((await turn.json()) as { auditId: string }).auditId);
  }
  return { sessionId, auditIds };
}

async function checkLooks(page: Page, name: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    found.push(
      ...results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${name} ${scheme}: ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`),
    );
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

async function noHorizontalScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
}

test.afterEach(async ({ request }) => {
  await request.post(`${SERVICES_MOCK}/behaviour`, { data: { latencyMs: 0, firstTokenDelayMs: 0, chunkDelayMs: 15, chunkSize: 6, faults: [] } });
});

test('an admin makes a dataset of reviewed turns, exports it, replays it with a changed prompt and compares, and cancels a slow replay', async ({
  browser,
  request,
}) => {
  test.setTimeout(180_000);
  mkdirSync(SHOTS, { recursive: true });
  const word = randomBytes(3).toString('hex');
  const name = `e2e-evals-${word}`;

  // Three reviewed conversations of two turns: one reply corrected, each conversation marked done.
  const conversations = [
    await chat(request, [`Where is parcel ${word}-1?`, 'Can I change the address?']),
    await chat(request, [`Refund for order ${word}-2 please`, 'It arrived broken.']),
    await chat(request, [`Do you ship to Norway (${word})?`, 'How long does it take?']),
  ];
  const sql = stackDatabase();
  const correction = `Your parcel ${word}-1 is with the courier; the tracking link is in your e-mail.`;
  try {
    const auditIds = conversations.flatMap((c) => c.auditIds);
    await expect
      .poll(async () => (await sql<{ n: number }[]>`select count(*)::int as n from turns where audit_id = any(${auditIds}::uuid[])`)[0]?.n, {
        timeout: 20_000,
      })
      .toBe(6);
    const [admin] = await sql<{ id: string }[]>`select id from agents where email = ${E2E_ACCOUNTS.admin.email}`;
    for (const c of conversations) {
      await sql`insert into review_items (session_id, reasons, state, done_at) values (${sessionRef(c.sessionId)}, '{manual}', 'done', now())
        on conflict (session_id) do update set state = 'done', done_at = now()`;
    }
    const first = conversations[0]!;
    await sql`insert into review_corrections (audit_id, session_id, text, author_id, author_name)
      values (${first.auditIds[0]!}, ${sessionRef(first.sessionId)}, ${correction}, ${admin!.id}, 'E2E admin')`;
  } finally {
    await sql.end();
  }

  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  const looks: string[] = [];
  watchConsole(page, problems);

  await page.goto('/admin/datasets');
  await expect(page).toHaveURL(/\/admin\/sign-in\?callbackUrl=/);
  await page.getByLabel('E-mail').fill(E2E_ACCOUNTS.admin.email);
  await page.getByLabel('Password').fill(E2E_ACCOUNTS.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/datasets$/);
  await expect(page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Datasets' })).toHaveAttribute('aria-current', 'page');

  // Create. The stack is shared with other specs: the export is checked for the turns seeded here.
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Description').fill('e2e replay set');
  await page.getByRole('button', { name: 'Create dataset' }).click();
  await expect(page.getByRole('status')).toContainText(`Created ${name} v1 with`);
  const row = page.locator(`tr[data-dataset="${name} v1"]`);
  await expect(row).toBeVisible();
  looks.push(...(await checkLooks(page, 'datasets')));

  // Export: JSONL with each seeded turn's exact messages and the correction; no session id.
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: `Export JSONL: ${name} v1` }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`${name}-v1.jsonl`);
  const jsonl = readFileSync((await download.path()) ?? '', 'utf8');
  const records = jsonl
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { input: Array<{ role: string; content: string }>; ideal: string; metadata: { audit_id: string; prompt_verified: boolean } });
  const ours = records.filter((r) => conversations.some((c) => c.auditIds.includes(r.metadata.audit_id)));
  expect(ours).toHaveLength(6);
  expect(ours.every((r) => r.metadata.prompt_verified && r.input[0]?.role === 'system')).toBe(true);
  expect(ours.find((r) => r.metadata.audit_id === conversations[0]!.auditIds[0])?.ideal).toBe(correction);
  for (const c of conversations) {
    expect(jsonl).not.toContain(c.sessionId);
    expect(jsonl).not.toContain(sessionRef(c.sessionId));
  }

  // The items page.
  await row.getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { name: `${name} v1` })).toBeVisible();
  await expect(page.getByText(correction).first()).toBeVisible();
  looks.push(...(await checkLooks(page, 'dataset-items')));

  // Replay it with a changed prompt against the priced endpoint.
  await page.getByRole('link', { name: 'Replay this dataset' }).click();
  await expect(page).toHaveURL(/\/admin\/replays\?datasetId=/);
  await expect(page.getByLabel('Dataset', { exact: true })).toContainText(`${name} v1`);
  const prompt = page.getByLabel('Candidate system prompt');
  await expect(prompt).not.toHaveValue('');
  await prompt.fill(`You are the e2e candidate ${word}. Be brief.`);
  await page.getByLabel('Endpoint and model').selectOption({ label: 'mock · m-alpha' });
  await page.getByLabel('Budget (tokens)').fill('1000000');
  looks.push(...(await checkLooks(page, 'replays')));
  await page.getByRole('button', { name: 'Start replay' }).click();
  await expect(page).toHaveURL(/\/admin\/replays\/[0-9a-f-]{36}$/);
  const progress = page.getByRole('progressbar', { name: 'Replay progress' });
  await expect(progress).toBeVisible();
  const total = records.length;
  await expect(progress).toHaveAttribute('aria-valuenow', String(total), { timeout: 60_000 });
  await expect(page.getByRole('heading', { name: /Progress/ })).toContainText('Done');
  await expect(page.getByRole('listitem', { name: /^Item \d+$/ })).toHaveCount(total);
  const firstItem = page.getByRole('listitem', { name: 'Item 1' });
  for (const title of ['Original reply', 'Correction', 'Candidate']) await expect(firstItem.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByText(correction).first()).toBeVisible();
  await expect(page.getByTestId('replay-cost')).toHaveText(/^\$\d/);
  await expect(firstItem.getByText(/^\$\d/)).toBeVisible();
  looks.push(...(await checkLooks(page, 'replay-done')));

  // At 360 px: the replay page, side by side becomes stacked, nothing scrolls sideways.
  await page.setViewportSize({ width: 360, height: 800 });
  await noHorizontalScroll(page);
  looks.push(...(await checkLooks(page, 'replay-done-360')));
  await page.goto('/admin/datasets');
  await noHorizontalScroll(page);
  looks.push(...(await checkLooks(page, 'datasets-360')));
  await page.setViewportSize({ width: 1280, height: 900 });

  // A slow replay, cancelled while it runs: no further calls.
  await request.post(`${SERVICES_MOCK}/behaviour`, { data: { latencyMs: 1500 } });
  await page.goto('/admin/replays');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: `${name} v1 (${total} items)` });
  await page.getByLabel('Budget (tokens)').fill('1000000');
  await page.getByRole('button', { name: 'Start replay' }).click();
  await expect(page).toHaveURL(/\/admin\/replays\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: /Progress/ })).toContainText('Running');
  looks.push(...(await checkLooks(page, 'replay-running')));
  await page.getByRole('button', { name: 'Cancel replay' }).click();
  await expect(page.getByRole('heading', { name: /Progress/ })).toContainText('Cancelled');
  const calls = ((await (await request.get(`${SERVICES_MOCK}/requests`)).json()) as unknown[]).length;
  await page.waitForTimeout(2000);
  expect(((await (await request.get(`${SERVICES_MOCK}/requests`)).json()) as unknown[]).length).toBe(calls);
  await expect(page.getByRole('button', { name: 'Cancel replay' })).toHaveCount(0);

  await page.goto('/admin/replays');
  await expect(page.getByRole('table', { name: 'Runs' }).getByText('Cancelled')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Runs' }).getByText('Done').first()).toBeVisible();

  expect(looks).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

test('an agent is refused the datasets and replays pages and sees no links to them', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const page = await context.newPage();
  await page.goto('/admin/replays');
  await page.getByLabel('E-mail').fill(E2E_ACCOUNTS.agent.email);
  await page.getByLabel('Password').fill(E2E_ACCOUNTS.agent.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Console' });
  await expect(nav.getByRole('link', { name: 'Datasets' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Replays' })).toHaveCount(0);
  await page.goto('/admin/datasets');
  await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible();
  await context.close();
});
