import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import postgres from 'postgres';
import { sessionRef } from '../../lib/session-ref';
import { E2E_ACCOUNTS, type E2EAccount } from '../support/e2e-accounts';
import { SERVICES_PORT, stackInfoFile } from './ports';
import { cellOf } from './admin-table';

/**
 * The console's rough edges (issue 18) on the production build: hostile query strings answered
 * with a message instead of a 500, a customer's Stop counted as an error nowhere, partial
 * references, session notes in print, refused attempts and list views in the access log, and the
 * access log and a session card at 390 px (light and dark, screenshots, axe).
 */

const SCREENSHOTS = path.join('test-results', 'screenshots');
const BASE = `http://127.0.0.1:${SERVICES_PORT}`;

function stackDatabase(): postgres.Sql {
  const { databaseUrl } = JSON.parse(readFileSync(stackInfoFile(SERVICES_PORT), 'utf8')) as { databaseUrl: string };
  return postgres(databaseUrl, { max: 1, onnotice: () => {} });
}

async function signIn(page: Page, account: E2EAccount, startAt = '/admin'): Promise<void> {
  await page.goto(startAt);
  await expect(page).toHaveURL(/\/admin\/sign-in\?callbackUrl=/);
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/sign-in/);
}

// Two conversations on 1 April 2022 (UTC), away from the other specs' days: one the customer
// stopped (an ok turn, then a stopped one), one of a single turn.
const suffix = randomBytes(4).toString('hex');
const ids = { stop: `edge-stop-${suffix}`, one: `edge-one-${suffix}` };
const refs = { stop: sessionRef(ids.stop), one: sessionRef(ids.one) };
const DAY = 'from=2022-04-01&to=2022-04-01';

async function seed(): Promise<void> {
  const sql = stackDatabase();
  try {
    await sql`delete from sessions where id in ${sql([refs.stop, refs.one])}`;
    const turns: Array<[keyof typeof ids, string, string]> = [
      ['stop', 'ok', '2022-04-01T09:00:00Z'],
      ['stop', 'aborted', '2022-04-01T09:01:00Z'],
      ['one', 'ok', '2022-04-01T08:00:00Z'],
    ];
    for (const key of Object.keys(ids) as Array<keyof typeof ids>) {
      const own = turns.filter(([session]) => session === key);
      // As the audit drainer keeps them: keyed by reference, error_count counts model errors only.
      await sql`insert into sessions (id, ref, created_at, last_activity_at, turn_count, first_memory_status, last_memory_status,
          memory_fallbacks, error_count, last_user_text)
        values (${refs[key]}, ${refs[key]}, ${own[0]?.[2] ?? ''}, ${own.at(-1)?.[2] ?? ''}, ${own.length}, 'new', 'ok', 0,
          ${own.filter(([, status]) => status === 'model_error').length}, ${`Edge question ${key}`})`;
      for (const [index, [, status, at]] of own.entries()) {
        await sql`insert into turns (audit_id, session_id, seq, user_text, assistant_text, status, memory_status, error_code, model,
            context_audit_ids, prompt_messages, prompt_hash, created_at, completed_at)
          values (${randomUUID()}, ${refs[key]}, ${index + 1}, ${`Edge question ${key} ${index + 1}`},
            ${status === 'ok' ? `Edge answer ${key} ${index + 1}` : 'Partial answer bef'}, ${status}, ${index === 0 ? 'new' : 'ok'}, null,
            'm-edge', ${sql.json([])}, ${sql.json([])}, 'seeded', ${at}, ${at})`;
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

test.beforeAll(seed);

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

test("a customer's Stop is not an error: list, problems filter, transcript, overview and export agree", async ({ page }) => {
  await signIn(page, E2E_ACCOUNTS.agent, `/admin/sessions?${DAY}`);
  const row = page.locator('tbody tr', { has: page.getByRole('link', { name: refs.stop }) });
  await expect(row).toBeVisible();
  await expect(await cellOf(page, row, 'Errors')).toHaveText('0');
  await expect(await cellOf(page, row, 'Unfinished')).toHaveText('0');

  await page.goto(`/admin/sessions?${DAY}&errors=1`);
  await expect(page.getByText('No sessions match.')).toBeVisible();

  await page.goto(`/admin?period=custom&${DAY}`);
  await expect(page.locator('[data-figure="error-rate"]')).toHaveText('0%');

  await page.goto(`/admin/sessions/${refs.stop}`);
  const stopped = page.getByRole('listitem', { name: 'Turn 2' });
  await expect(stopped.getByText('Stopped by the customer.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Session' })).toContainText('Errors0');

  const lines = (await (await page.request.get(`/api/admin/sessions/${refs.stop}/export?format=jsonl`)).text()).trimEnd().split('\n');
  expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ type: 'session', ref: refs.stop, errorCount: 0 });
});

test('a partial reference finds its conversation; a word search labels its excerpt "Match"; counts are singular when 1', async ({ page }) => {
  await signIn(page, E2E_ACCOUNTS.agent, `/admin/sessions?q=${refs.one.slice(0, 8)}`);
  await expect(page.getByRole('link', { name: refs.one }).first()).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Last message' })).toBeVisible();

  await page.goto(`/admin/sessions?q=${encodeURIComponent(`Edge question`)}&${DAY}`);
  await expect(page.getByRole('columnheader', { name: 'Match' })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Last message' })).toHaveCount(0);

  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`/admin/sessions?${DAY}`);
  const card = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem').filter({ has: page.getByRole('link', { name: refs.one }) });
  await expect(card).toContainText('1 turn');
  await expect(card).not.toContainText('1 turns');
});

test('"Print view with notes" prints the notes on the session too; without notes it prints none', async ({ page }) => {
  await signIn(page, E2E_ACCOUNTS.agent, `/admin/sessions/${refs.one}`);
  const note = `Session-level note ${suffix}`;
  const review = page.getByRole('region', { name: 'Review' });
  await review.getByRole('button', { name: '✎ Note' }).click();
  await review.getByLabel('Internal note (never shown to the customer)').fill(note);
  await review.getByRole('button', { name: 'Add note' }).click();
  await expect(review.getByText(note)).toBeVisible();

  await page.goto(`/admin/sessions/${refs.one}/print?notes=1`);
  await expect(page.getByRole('heading', { name: 'Notes on the conversation' })).toBeVisible();
  await expect(page.getByText(note)).toBeVisible();
  await expect(page.getByText('1 turn', { exact: false }).first()).toBeVisible();
  await page.goto(`/admin/sessions/${refs.one}/print`);
  await expect(page.getByText(note)).toHaveCount(0);
});

/** Hostile query strings for every page that reads one: each answers below 500. */
const HOSTILE = [
  'to=0000-01-01',
  'to=9999-12-31',
  'from=2024-05-02&to=2024-05-01',
  'from=garbage&to=%FF',
  'from=2024-02-30',
  `from=${'9'.repeat(300)}`,
  'errors=2&memory=ok&feedback=sideways&code=%27%3B--',
  `q=${'a'.repeat(5000)}`,
  'q=!!!%20%26%7C%3A*((',
  'q=c_aaaa',
  'q=%ED%A0%80',
  'after=garbage',
  `after=${Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000000Z', 'x'])).toString('base64url')}`,
  `before=${Buffer.from(JSON.stringify(['2024-13-45T99:99:99.000000Z', 'x'])).toString('base64url')}`,
  'period=custom&from=0000-01-01&to=9999-12-31',
  'period=custom&from=2024-05-02',
  'period=year',
  'before=1e400&action=drop_table&session=%27&agent=not-a-uuid',
  'before=99999999999999999999',
  'notes=1&notes=0&q=%5C',
  'q=a&q=b&q=c',
  'callbackUrl=%2F%2Fevil.example&error=%3Cscript%3E',
  `callbackUrl=${'%2F'.repeat(2000)}`,
];
/** NUL in a text parameter: handled by lossless text storage (audit-storage branch); enable at merge. */
const NUL_HOSTILE = ['q=%00', 'model=%00'];

async function sweepPages(page: Page, queries: string[]): Promise<string[]> {
  const failures: string[] = [];
  const pages = [
    '/admin',
    '/admin/sessions',
    '/admin/access-log',
    '/admin/agents',
    `/admin/sessions/${refs.stop}`,
    `/admin/sessions/${refs.stop}/print`,
    '/admin/sign-in',
    '/admin/setup',
    '/admin/no/such/page',
  ];
  for (const query of queries) {
    for (const base of pages) {
      const response = await page.request.get(`${base}?${query}`, { maxRedirects: 0 });
      if (response.status() >= 500) failures.push(`${base}?${query.slice(0, 60)} → ${response.status()}`);
    }
  }
  return failures;
}

test(`${HOSTILE.length} hostile query strings on every admin page: no 5xx, and the page says what it left out`, async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, E2E_ACCOUNTS.admin, '/admin');
  expect(await sweepPages(page, HOSTILE)).toEqual([]);

  await page.goto('/admin/sessions?to=9999-12-31&memory=ok');
  const alert = page.getByRole('alert').filter({ hasText: 'could not be used' });
  await expect(alert).toContainText('to: must be between 2000-01-01 and');
  await expect(alert).toContainText('memory (expired or unavailable): is not a valid value.');
  await page.goto('/admin?period=custom&from=0000-01-01&to=9999-12-31');
  await expect(page.getByRole('alert').filter({ hasText: 'could not be used' })).toContainText('From must be between 2000-01-01');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await page.goto('/admin/access-log?before=1e400&session=nope');
  await expect(page.getByRole('alert').filter({ hasText: 'could not be used' })).toContainText('session: must be a conversation reference');

  // The export refuses before it streams: a JSON 400, not a CSV header and a cut connection.
  const csv = await page.request.get('/api/admin/export?format=csv&to=9999-12-31');
  expect(csv.status()).toBe(400);
  expect(((await csv.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
});

test('NUL in text parameters of admin pages', async ({ page }) => {
  await signIn(page, E2E_ACCOUNTS.admin, '/admin');
  expect(await sweepPages(page, NUL_HOSTILE)).toEqual([]);
});

test("refused attempts and plain list views are in the access log; the log's entries stack on a phone", async ({ browser }) => {
  test.setTimeout(240_000);
  // An agent tries an admin action from the console: refused, and logged under what was attempted.
  const agentContext = await browser.newContext({ baseURL: BASE });
  const agentPage = await agentContext.newPage();
  await signIn(agentPage, E2E_ACCOUNTS.agent, `/admin/sessions?${DAY}`);
  const denied = await agentPage.request.delete(`/api/admin/sessions/${refs.one}`, {
    data: { confirm: refs.one },
    headers: { origin: BASE },
  });
  expect(denied.status()).toBe(403);
  // A cross-site request with the agent's cookie.
  const crossSite = await agentPage.request.post('/api/admin/flags', {
    data: { session: refs.one, reason: 'csrf attempt' },
    headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
  });
  expect(crossSite.status()).toBe(403);
  await agentContext.close();

  mkdirSync(SCREENSHOTS, { recursive: true });
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ baseURL: BASE, viewport: { width: 390, height: 800 }, colorScheme: scheme, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, E2E_ACCOUNTS.admin, `/admin/sessions?${DAY}`);
    const noSideways = async (what: string) => {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${what} at 390px scrolls sideways`).toBeLessThanOrEqual(0);
    };
    // A session card.
    const card = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem').filter({ has: page.getByRole('link', { name: refs.stop }) });
    await expect(card).toContainText('2 turns');
    await expect(card).not.toContainText('errors');
    await noSideways('sessions list');
    await card.screenshot({ path: path.join(SCREENSHOTS, `admin-session-card-390-${scheme}.png`) });
    await page.screenshot({ path: path.join(SCREENSHOTS, `admin-sessions-390-${scheme}.png`), fullPage: true });
    for (const violation of await seriousViolations(page)) found.push(`${scheme} sessions: ${violation}`);

    await page.goto('/admin/access-log');
    const entries = page.getByRole('list', { name: 'Access log entries' });
    await expect(entries).toBeVisible();
    await expect(page.locator('table')).toBeHidden();
    // The plain list this admin just saw, with the conversations whose previews it showed.
    const listView = entries.getByRole('listitem').filter({ hasText: '"view":"list"' }).first();
    await expect(listView).toContainText('search');
    await expect(listView).toContainText(refs.stop);
    await noSideways('access log');
    // The first screenful: a hundred entries make a full-page image too tall to look at.
    await page.screenshot({ path: path.join(SCREENSHOTS, `admin-access-log-390-${scheme}.png`) });
    for (const violation of await seriousViolations(page)) found.push(`${scheme} access log: ${violation}`);

    await page.goto('/admin/access-log?action=delete_session');
    const refusedDelete = entries.getByRole('listitem').filter({ hasText: refs.one }).first();
    await expect(refusedDelete).toContainText('delete session · refused');
    await expect(refusedDelete).toContainText(E2E_ACCOUNTS.agent.email);
    await expect(refusedDelete.getByText('delete session · refused')).toBeInViewport();
    await page.goto('/admin/access-log?action=flag');
    await expect(entries.getByRole('listitem').filter({ hasText: '"refused":"cross_site"' }).first()).toContainText('flag · refused');
    await noSideways('filtered access log');

    await page.goto(`/admin/sessions/${refs.stop}`);
    await expect(page.getByText('Stopped by the customer.')).toBeVisible();
    await noSideways('transcript');
    for (const violation of await seriousViolations(page)) found.push(`${scheme} transcript: ${violation}`);
    await page.goto('/admin?period=custom&from=0000-01-01&to=2022-04-01');
    await expect(page.getByRole('alert').filter({ hasText: 'could not be used' })).toBeVisible();
    for (const violation of await seriousViolations(page)) found.push(`${scheme} overview with a message: ${violation}`);
    await context.close();
  }
  expect(found).toEqual([]);
});

test('the access log on a wide screen: a table with the Action column, refused entries marked', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, E2E_ACCOUNTS.admin, '/admin/access-log?action=delete_session');
  await expect(page.getByRole('columnheader', { name: 'Action' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Access log entries' })).toBeHidden();
  await expect(page.locator('tbody tr').filter({ hasText: refs.one }).first()).toContainText('delete session · refused');
  expect(await seriousViolations(page)).toEqual([]);
  await context.close();
});
