import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { adminApiRoutes, adminPages } from '../support/admin-routes';
import { E2E_ACCOUNTS, type E2EAccount } from '../support/e2e-accounts';
import { sessionRef } from '../../lib/session-ref';

/**
 * The admin console in a real browser against the production build on the services stack (agents
 * seeded by tests/e2e/serve.ts). Conversations are created by chatting through the public API.
 */

/** A made-up word of letters only (one search token), new on every run. */
function uniqueWord(prefix: string): string {
  const letters = [...randomBytes(6)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('');
  return `${prefix}${letters}`;
}

async function chat(request: APIRequestContext, texts: string[]): Promise<string> {
  const created = await request.post('/api/session');
  expect(created.status()).toBe(201);
  const { sessionId } = (await created.json()) as { sessionId: string };
  for (const text of texts) {
    const turn = await request.post('/api/chat', { data: { sessionId, text }, headers: { accept: 'application/json' } });
    expect(turn.status()).toBe(200);
  }
  return sessionId;
}

async function signIn(page: Page, account: E2EAccount, startAt = '/admin'): Promise<void> {
  await page.goto(startAt);
  await expect(page).toHaveURL(/\/admin\/sign-in\?callbackUrl=/);
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
}

test.describe('anonymous visitors', () => {
  test('are redirected to sign-in from every /admin page, generated from the route files', async ({ request }) => {
    const pages = adminPages().filter((path) => path !== '/admin/sign-in');
    expect(pages).toEqual(expect.arrayContaining(['/admin', '/admin/sessions', '/admin/access-log', '/admin/agents', '/admin/setup']));
    for (const path of [...pages, '/admin/no/such/page']) {
      const response = await request.get(path, { maxRedirects: 0 });
      expect(response.status(), path).toBe(307);
      const location = new URL(response.headers().location ?? '', 'http://x');
      expect(location.pathname, path).toBe('/admin/sign-in');
    }
    expect((await request.get('/admin/sign-in')).status()).toBe(200);
  });

  test('get 401 from every admin API route and method, generated from the route files', async ({ request }) => {
    const routes = adminApiRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(10);
    for (const route of routes) {
      for (const method of route.methods) {
        const response = await request.fetch(route.path, { method, data: method === 'GET' ? undefined : {}, maxRedirects: 0 });
        expect(response.status(), `${method} ${route.path}`).toBe(401);
        expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
      }
    }
  });
});

test('an agent signs in, finds a session by a word from its transcript, reviews, flags, exports and signs out', async ({ page, request }) => {
  const word = uniqueWord('kumquat');
  const sessionId = await chat(request, [`Hello, my ${word} order never arrived.`, 'It was order 4711, can you check it?']);
  await chat(request, ['Unrelated question about opening hours.']);

  await signIn(page, E2E_ACCOUNTS.agent, '/admin/sessions');
  await expect(page.getByRole('heading', { name: 'Sessions', level: 1 })).toBeVisible();
  const ref = sessionRef(sessionId);

  // Find it by a word from the transcript: the search box is one keystroke away.
  await page.keyboard.press('/');
  await expect(page.getByRole('searchbox', { name: 'Search transcripts' })).toBeFocused();
  await page.keyboard.type(word);
  await page.keyboard.press('Enter');
  const rows = page.locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator('mark').first()).toHaveText(word);

  // Open it from the keyboard.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Transcript' })).toBeVisible();
  await expect(page.getByText(ref, { exact: true })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/admin/sessions/${ref}`));
  const turns = page.getByRole('listitem', { name: /^Turn \d+$/ });
  await expect(turns).toHaveCount(2);
  await expect(turns.first().locator('mark').first()).toHaveText(word);

  // What the model saw on turn 2: the system prompt, turn 1 from memory, and the new message.
  const second = page.getByRole('listitem', { name: 'Turn 2' });
  await second.getByText('What the model saw').click();
  await expect(second.getByText('hash verified')).toBeVisible();
  await expect(second.getByText('4 messages, 1 remembered turn')).toBeVisible();
  await expect(second.locator('pre').getByText(`Hello, my ${word} order never arrived.`, { exact: true })).toBeVisible();

  // Flag turn 2.
  await second.getByRole('button', { name: /Flag turn/ }).click();
  await second.getByLabel('Why flag this turn?').fill('Did not look up order 4711');
  await second.getByRole('button', { name: 'Flag', exact: true }).click();
  await expect(second.getByText('Did not look up order 4711')).toBeVisible();

  // Export the transcript as JSONL and CSV.
  const jsonl = page.waitForEvent('download');
  await page.getByRole('group', { name: 'Download' }).getByRole('link', { name: 'JSONL' }).click();
  const jsonlFile = await (await jsonl).path();
  const lines = (await readFile(jsonlFile, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.map((line) => line.type)).toEqual(['session', 'turn', 'turn']);
  expect(lines[0]).toMatchObject({ ref });
  expect(JSON.stringify(lines[2])).toContain('Did not look up order 4711');
  const csv = page.waitForEvent('download');
  await page.getByRole('group', { name: 'Download' }).getByRole('link', { name: 'CSV' }).click();
  const download = await csv;
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  expect(await readFile(await download.path(), 'utf8')).toContain(word);

  // The list shows the flag, and the flagged view finds it.
  await page.goto('/admin/sessions?flagged=1');
  await expect(page.getByRole('heading', { name: 'Flagged sessions' })).toBeVisible();
  await expect(page.locator('tbody tr').filter({ hasText: ref })).toContainText('⚑ 1');

  // An agent has no delete: not in the page, and the server refuses it.
  await page.goto(`/admin/sessions/${ref}`);
  await expect(page.getByRole('button', { name: 'Delete…' })).toHaveCount(0);
  const status = await page.evaluate(async (id) => {
    const response = await fetch(`/api/admin/sessions/${id}`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ confirm: id }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  }, ref);
  expect(status).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'This needs the admin role.' } } });

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/sign-in/);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/admin\/sign-in\?callbackUrl=%2Fadmin/);
});

test('a wrong password is refused with a plain message', async ({ page }) => {
  await page.goto('/admin/sign-in');
  await page.getByLabel('E-mail').fill(E2E_ACCOUNTS.agent.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Next's route announcer is an (empty) alert too; ours is the one with the text.
  await expect(page.getByRole('alert').filter({ hasText: 'do not match' })).toHaveText('That e-mail and password do not match an agent account.');
});

test('an admin sees the views in the access log and deletes a session after confirming', async ({ page, request, browser }) => {
  const sessionId = await chat(request, [`Please delete my data ${uniqueWord('erase')}`]);
  const ref = sessionRef(sessionId);

  // An agent views the transcript first.
  const agentContext = await browser.newContext();
  const agentPage = await agentContext.newPage();
  await signIn(agentPage, E2E_ACCOUNTS.agent, `/admin/sessions/${ref}`);
  await expect(agentPage.getByRole('heading', { name: 'Transcript' })).toBeVisible();
  await agentContext.close();

  await signIn(page, E2E_ACCOUNTS.admin, `/admin/access-log?session=${ref}`);
  await expect(page.getByRole('heading', { name: 'Access log' })).toBeVisible();
  const viewRow = page.locator('tbody tr').filter({ hasText: 'view session' }).filter({ hasText: E2E_ACCOUNTS.agent.email });
  await expect(viewRow).toHaveCount(1);

  await page.goto(`/admin/sessions/${ref}`);
  await page.getByRole('button', { name: 'Delete…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this session?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole('button', { name: 'Delete…' }).click();
  await dialog.getByRole('button', { name: 'Delete session' }).click();
  await expect(page).toHaveURL(/\/admin\/sessions$/);
  expect((await page.goto(`/admin/sessions/${ref}`))?.status()).toBe(404);

  await page.goto(`/admin/access-log?session=${ref}`);
  const actions = page.locator('tbody tr td:nth-child(3)');
  await expect(actions.first()).toHaveText('delete session');
  await expect(page.locator('tbody tr').filter({ hasText: 'view session' })).toHaveCount(2);
});
