import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import postgres from 'postgres';
import { sessionRef } from '../../lib/session-ref';
import { adminPages } from '../support/admin-routes';
import { E2E_ACCOUNTS, type E2EAccount } from '../support/e2e-accounts';
import { SERVICES_PORT, stackInfoFile } from './ports';
import { cellOf } from './admin-table';

/**
 * A support lead's day in /admin on the production build: the overview's figures for a seeded set
 * of turns and where its links lead, live updates, feedback, unfinished turns, time zones, no
 * bearer ids anywhere, axe in light and dark, and the console on a phone.
 */

const SCREENSHOTS = path.join('test-results', 'screenshots');
const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';

function stackDatabase(): postgres.Sql {
  const { databaseUrl } = JSON.parse(readFileSync(stackInfoFile(SERVICES_PORT), 'utf8')) as { databaseUrl: string };
  return postgres(databaseUrl, { max: 1, onnotice: () => {} });
}

async function chat(request: APIRequestContext, texts: string[], sessionId?: string): Promise<{ sessionId: string; auditIds: string[] }> {
  let id = sessionId;
  if (!id) {
    const created = await request.post('/api/session');
    expect(created.status()).toBe(201);
    id = ((await created.json()) as { sessionId: string }).sessionId;
  }
  const auditIds: string[] = [];
  for (const text of texts) {
    const turn = await request.post('/api/chat', { data: { sessionId: id, text }, headers: { accept: 'application/json' } });
    expect(turn.status()).toBe(200);
    auditIds.push(((await turn.json()) as { auditId: string }).auditId);
  }
  return { sessionId: id, auditIds };
}

async function signIn(page: Page, account: E2EAccount, startAt = '/admin'): Promise<void> {
  await page.goto(startAt);
  await expect(page).toHaveURL(/\/admin\/sign-in\?callbackUrl=/);
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/sign-in/);
}

/** The references the sessions list shows (the table on wide screens). */
async function listedRefs(page: Page): Promise<string[]> {
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  return (await page.locator('tbody tr td:first-child a').allTextContents()).sort();
}

// ---------------------------------------------------------------------------------------------
// A seeded set with known figures: four conversations over 1–2 March 2021 (UTC), far from the
// conversations the other specs create today.
// ---------------------------------------------------------------------------------------------

const suffix = randomBytes(4).toString('hex');
const ids = { a: `seed-a-${suffix}`, b: `seed-b-${suffix}`, c: `seed-c-${suffix}`, d: `seed-d-${suffix}` };
const refs = { a: sessionRef(ids.a), b: sessionRef(ids.b), c: sessionRef(ids.c), d: sessionRef(ids.d) };
const PERIOD = '/admin?period=custom&from=2021-03-01&to=2021-03-02';

interface SeedTurn {
  session: keyof typeof ids;
  at: string;
  status: string;
  memory: string;
  code?: string;
  model: string;
  tokens?: [number, number];
  ms?: [number | null, number | null];
  feedback?: 'up' | 'down';
}

const TURNS: SeedTurn[] = [
  { session: 'a', at: '2021-03-01T10:00:00Z', status: 'ok', memory: 'new', model: 'm-alpha', tokens: [150000, 50000], ms: [100, 1000], feedback: 'up' },
  { session: 'a', at: '2021-03-01T10:05:00Z', status: 'ok', memory: 'ok', model: 'm-alpha', tokens: [150000, 50000], ms: [300, 3000], feedback: 'up' },
  { session: 'b', at: '2021-03-01T10:10:00Z', status: 'model_error', memory: 'expired', code: 'model_timeout', model: 'm-alpha', ms: [null, 30000] },
  { session: 'b', at: '2021-03-01T10:15:00Z', status: 'ok', memory: 'unavailable', model: 'm-alpha', ms: [200, 2000] },
  { session: 'c', at: '2021-03-01T11:00:00Z', status: 'pending', memory: 'ok', model: 'm-alpha' },
  { session: 'd', at: '2021-03-02T10:00:00Z', status: 'ok', memory: 'expired', model: 'm-beta', tokens: [1000, 500], ms: [100, 1000], feedback: 'down' },
  { session: 'd', at: '2021-03-02T10:30:00Z', status: 'ok', memory: 'ok', model: 'm-beta', tokens: [1000, 500], ms: [100, 1000] },
];

async function seed(): Promise<void> {
  const sql = stackDatabase();
  try {
    // A retried test gets a fresh worker, which seeds again: start from a clean set.
    // The database keys sessions by reference (lib/session-ref.ts): seeded rows do too.
    await sql`delete from sessions where last_user_text like 'seeded %'`;
    for (const key of Object.keys(ids) as Array<keyof typeof ids>) {
      const own = TURNS.filter((t) => t.session === key);
      await sql`insert into sessions (id, ref, created_at, last_activity_at, turn_count, first_memory_status, last_memory_status,
          memory_fallbacks, error_count, last_user_text)
        values (${refs[key]}, ${refs[key]}, ${own[0]?.at ?? ''}, ${own.at(-1)?.at ?? ''}, ${own.length}, ${own[0]?.memory ?? 'new'},
          ${own.at(-1)?.memory ?? 'ok'}, ${own.filter((t) => t.memory === 'expired' || t.memory === 'unavailable').length},
          ${own.filter((t) => t.status === 'model_error').length}, ${`seeded ${key}`})`;
      for (const [index, turn] of own.entries()) {
        const auditId = randomUUID();
        const done = turn.status === 'pending' ? null : turn.at;
        await sql`insert into turns (audit_id, session_id, seq, user_text, assistant_text, status, memory_status, error_code, model,
            prompt_tokens, completion_tokens, ttft_ms, total_ms, context_audit_ids, prompt_messages, prompt_hash, created_at, completed_at)
          values (${auditId}, ${refs[key]}, ${index + 1}, ${`Seeded question ${key}${index + 1}`},
            ${turn.status === 'ok' ? `Seeded answer ${key}${index + 1}` : null}, ${turn.status}, ${turn.memory}, ${turn.code ?? null},
            ${turn.model}, ${turn.tokens?.[0] ?? null}, ${turn.tokens?.[1] ?? null}, ${turn.ms?.[0] ?? null}, ${turn.ms?.[1] ?? null},
            ${sql.json([])}, ${sql.json([])}, 'seeded', ${turn.at}, ${done})`;
        if (turn.feedback) {
          await sql`insert into turn_feedback (audit_id, session_id, rating) values (${auditId}, ${refs[key]}, ${turn.feedback})`;
        }
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

test.describe('overview, filters, feedback and time zones on a seeded set', () => {
  test.use({ timezoneId: 'Asia/Tokyo' });
  test.beforeAll(seed);

  test('the overview shows the right figures, and each chart links to the matching sessions', async ({ page }) => {
    await signIn(page, E2E_ACCOUNTS.agent, PERIOD);
    await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
    const figure = (name: string) => page.locator(`[data-figure="${name}"]`);
    await expect(figure('conversations')).toHaveText('4');
    await expect(figure('turns')).toHaveText('7');
    await expect(figure('error-rate')).toHaveText('14%'); // 1 of 7
    await expect(figure('unfinished')).toHaveText('1');
    await expect(figure('expired-rate')).toHaveText('29%'); // 2 of 7
    await expect(figure('unavailable-rate')).toHaveText('14%');
    await expect(figure('feedback-up-rate')).toHaveText('67%'); // 2 of 3 rated
    await expect(figure('feedback-up')).toHaveText('2');
    await expect(figure('feedback-down')).toHaveText('1');
    // m-alpha at $1 / $2 per million: 300k input + 100k output = $0.50; m-beta has no price.
    await expect(figure('cost')).toHaveText('$0.50');
    await expect(page.locator('[data-tokens="2021-03-01 m-alpha"]')).toContainText('300000100000$0.5000');
    await expect(page.locator('[data-tokens="2021-03-02 m-beta"]')).toContainText('no price');
    // Six turns at 10:xx UTC: 19:00 in Tokyo.
    await expect(figure('busiest-hour')).toHaveText('19:00');
    // The latency table: day 1 first-token p50 of 100, 300, 200 ms = 200 ms; total p50 of 1, 3, 30, 2 s = 2.5 s.
    const latency = page.getByRole('region', { name: 'Latency' });
    await latency.getByText('Table of latency').click();
    await expect(latency.locator('details tbody tr').first()).toContainText('2021-03-01200 ms');
    await expect(latency.locator('details tbody tr').first()).toContainText('2.5 s');
    // Charts are drawn (one canvas per chart).
    await expect(page.locator('canvas').first()).toBeVisible();

    const follow = async (link: ReturnType<Page['getByRole']>, expected: string[]) => {
      await link.click();
      await expect(page).toHaveURL(/\/admin\/sessions\?/);
      expect(await listedRefs(page)).toEqual(expected.sort());
      await page.goto(PERIOD);
    };
    await follow(page.getByRole('region', { name: 'Memory fallbacks' }).getByRole('link', { name: 'Expired (2)' }), [refs.b, refs.d]);
    await follow(page.getByRole('region', { name: 'Memory fallbacks' }).getByRole('link', { name: 'Unavailable (1)' }), [refs.b]);
    await follow(page.getByRole('region', { name: 'Model errors by code' }).getByRole('link', { name: 'model_timeout' }), [refs.b]);
    await follow(page.getByRole('region', { name: 'Conversations and turns' }).getByRole('link', { name: 'Open these sessions →' }), Object.values(refs));
    await follow(page.getByRole('link', { name: /Unfinished turns/ }), [refs.c]);
    await follow(page.getByRole('link', { name: '2 helpful' }), [refs.a]);
    await follow(page.getByRole('link', { name: '1 unhelpful' }), [refs.d]);
    await follow(page.getByRole('region', { name: 'Tokens and estimated cost by model' }).getByRole('link', { name: 'm-beta' }), [refs.d]);
    // A day of a chart's table opens that day's sessions.
    const volume = page.getByRole('region', { name: 'Conversations and turns' });
    await volume.getByText('Table of conversations and turns').click();
    await follow(volume.getByRole('link', { name: '2021-03-02' }), [refs.d]);

    // j/k move through the overview's links, Enter opens one.
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('j');
    await expect(page.locator('[data-nav]').first()).toBeFocused();
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await expect(page.locator('[data-nav]').first()).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/admin\/sessions\?from=2021-03-01&to=2021-03-02/);
  });

  test('a pending turn is found by the problems filters, feedback shows and filters, times are local', async ({ page }) => {
    await signIn(page, E2E_ACCOUNTS.agent, '/admin/sessions?from=2021-03-01&to=2021-03-02');
    expect(await listedRefs(page)).toEqual(Object.values(refs).sort());
    await page.getByRole('checkbox', { name: 'Unfinished turns' }).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(await listedRefs(page)).toEqual([refs.c]);
    await expect(await cellOf(page, page.locator('tbody tr').first(), 'Unfinished')).toHaveText('1');
    await page.getByRole('checkbox', { name: 'Unfinished turns' }).uncheck();
    await page.getByRole('checkbox', { name: 'Has problems' }).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    // The failed turn and the unfinished one: "has errors" misses neither.
    expect(await listedRefs(page)).toEqual([refs.b, refs.c].sort());

    await page.goto('/admin/sessions?from=2021-03-01&to=2021-03-02');
    await page.getByLabel('Feedback').selectOption('up');
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(await listedRefs(page)).toEqual([refs.a]);
    await expect(page.locator('tbody tr').first()).toContainText('thumbs up: 2');

    await page.locator('tbody tr td:first-child a').first().click();
    await expect(page.getByRole('heading', { name: 'Transcript' })).toBeVisible();
    const first = page.getByRole('listitem', { name: 'Turn 1' });
    await expect(first.getByText('Customer rated this reply helpful')).toBeVisible();
    await expect(page.getByText('Customer rated this reply helpful')).toHaveCount(2);
    // 10:00 UTC is 19:00 in Tokyo; UTC on hover.
    const clock = first.locator('time').first();
    await expect(clock).toHaveText('19:00:00');
    await expect(clock).toHaveAttribute('title', '2021-03-01 10:00 UTC');
    await expect(page.getByRole('region', { name: 'Session' }).locator('time').first()).toHaveText(/Mar 1, 2021, 19:00/);

    // Exports carry the feedback, in UTC.
    const ref = refs.a;
    const jsonl = await page.request.get(`/api/admin/sessions/${ref}/export?format=jsonl`);
    const lines = (await jsonl.text()).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[1]).toMatchObject({ type: 'turn', sessionRef: ref, feedback: 'up', createdAt: '2021-03-01T10:00:00.000Z' });
    const csv = await (await page.request.get(`/api/admin/export?format=csv&feedback=down&from=2021-03-01&to=2021-03-02`)).text();
    expect(csv.split('\r\n')[0]).toContain('feedback');
    expect(csv).toContain(`${refs.d},2021-03-02T10:00:00.000Z`);
    expect(csv).toMatch(/,down,/);
  });
});

test('a conversation held in another browser context appears in the open list, and its new turn in the open transcript, without a reload', async ({ page, browser }) => {
  await signIn(page, E2E_ACCOUNTS.agent, '/admin/sessions');
  await expect(page.locator('[data-live="live"]').first()).toBeVisible();
  await page.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });

  const customer = await browser.newContext();
  const { sessionId } = await chat(customer.request, [`Live question ${suffix}`]);
  const ref = sessionRef(sessionId);
  // The audit row may arrive a moment after the reply; the list polls every few seconds.
  await expect(page.locator('tbody tr', { hasText: ref })).toBeVisible({ timeout: 20_000 });

  await page.locator('tbody tr td:first-child a', { hasText: ref }).click();
  await expect(page.getByRole('heading', { name: 'Transcript' })).toBeVisible();
  await page.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });
  await expect(page.getByRole('listitem', { name: /^Turn \d+$/ })).toHaveCount(1);

  // Paused: nothing changes; resumed: the new turn arrives.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.locator('[data-live="paused"]')).toBeVisible();
  await chat(customer.request, [`Second live question ${suffix}`], sessionId);
  await page.waitForTimeout(4000);
  await expect(page.getByRole('listitem', { name: /^Turn \d+$/ })).toHaveCount(1);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByRole('listitem', { name: 'Turn 2' })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText(`Second live question ${suffix}`, { exact: true })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  await customer.close();
});

/** Every admin page, from the route files, with a real conversation's reference in the dynamic segments. */
function pagesFor(ref: string): string[] {
  return [
    ...adminPages()
      .filter((p) => !['/admin/sign-in', '/admin/setup'].includes(p) && !p.includes('sweep/check'))
      // A dataset's or a replay's page is named by its own id, not a conversation's (404 for a
      // reference); their lists are swept here, their pages in replay.services.spec.ts.
      .filter((p) => !/^\/admin\/(datasets|replays)\/./.test(p))
      .map((p) => p.replace(SAMPLE_ID, ref)),
    `/admin/sessions?q=${ref}`,
    `/admin/sessions/${ref}/print?notes=1`,
    `/admin/access-log?session=${ref}`,
    '/admin?period=today',
    '/admin?period=30d',
  ];
}

test('no admin page, API answer or export contains a customer session id', async ({ page, request }) => {
  const { sessionId, auditIds } = await chat(request, [`Bearer sweep ${suffix}`, 'And a second turn.']);
  const ref = sessionRef(sessionId);
  await signIn(page, E2E_ACCOUNTS.admin, `/admin/sessions/${ref}`);
  // Flag and note it, so the access log and the exports have something to say about it.
  await page.getByRole('listitem', { name: 'Turn 1' }).getByRole('button', { name: /Flag turn/ }).click();
  await page.getByLabel('Why flag this turn?').fill('sweep flag');
  await page.getByRole('button', { name: 'Flag', exact: true }).click();
  await expect(page.getByText('sweep flag')).toBeVisible();
  await page.getByRole('listitem', { name: 'Turn 1' }).getByText('What the model saw').click();
  await expect(page.getByText('hash verified').first()).toBeVisible();
  expect(await page.content()).not.toContain(sessionId);

  const pages = pagesFor(ref);
  expect(pages).toEqual(expect.arrayContaining(['/admin', '/admin/sessions', `/admin/sessions/${ref}`, `/admin/sessions/${ref}/print`]));
  for (const path of pages) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(200);
    await page.waitForLoadState('networkidle');
    const html = await page.content();
    expect(html, path).not.toContain(sessionId);
    if (path.includes(ref) || path.startsWith('/admin/sessions')) expect(html, `${path} names the conversation`).toContain(ref);
  }
  const apis = [
    '/api/admin/export?format=jsonl&notes=1',
    '/api/admin/export?format=csv&notes=1',
    `/api/admin/sessions/${ref}/export?format=jsonl&notes=1`,
    `/api/admin/sessions/${ref}/export?format=csv&notes=1`,
    `/api/admin/turns/${auditIds[0]}/prompt`,
    '/api/admin/sessions/live',
    `/api/admin/sessions/${ref}/live`,
  ];
  for (const path of apis) {
    const response = await page.request.get(path);
    expect(response.status(), path).toBe(200);
    const body = await response.text();
    expect(body, path).not.toContain(sessionId);
  }
  expect(await (await page.request.get(`/api/admin/sessions/${ref}/export?format=jsonl`)).text()).toContain(`Bearer sweep ${suffix}`);
  // A dead letter naming the session (as one written before references existed): /admin/audit shows
  // only its reference, and viewing it is in the access log.
  const sql = stackDatabase();
  try {
    const payload = JSON.stringify({ v: '2', k: 'final', r: JSON.stringify({ sessionId, userText: 'sweep' }) });
    await sql`insert into audit_dead_letters (source, reason, payload) values ('sweep', ${`refused ${sessionId}`}, ${payload})`;
    const [before] = await sql<{ n: number }[]>`select count(*)::int as n from access_log where action = 'view_audit'`;
    expect((await page.goto('/admin/audit'))?.status()).toBe(200);
    const html = await page.content();
    expect(html).not.toContain(sessionId);
    expect(html).toContain(ref);
    const [after] = await sql<{ n: number }[]>`select count(*)::int as n from access_log where action = 'view_audit'`;
    expect(after!.n).toBe(before!.n + 1);
  } finally {
    await sql`delete from audit_dead_letters where source = 'sweep'`;
    await sql.end({ timeout: 5 });
  }
  // The id is no way in.
  expect((await page.request.get(`/api/admin/sessions/${encodeURIComponent(sessionId)}/export`)).status()).toBe(400);
  expect((await page.goto(`/admin/sessions/${encodeURIComponent(sessionId)}`))?.status()).toBe(404);
});

async function seriousViolations(page: Page): Promise<string[]> {
  // Open every collapsed table so axe checks them too.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

test('axe finds no serious or critical violation on any admin page, light and dark', async ({ page, request, browser }) => {
  test.setTimeout(300_000);
  const { sessionId } = await chat(request, [`Axe check ${suffix}`]);
  const ref = sessionRef(sessionId);
  await signIn(page, E2E_ACCOUNTS.admin, '/admin');
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const path of pagesFor(ref)) {
      await page.goto(path);
      await page.waitForLoadState('networkidle');
      for (const violation of await seriousViolations(page)) found.push(`${scheme} ${path}: ${violation}`);
    }
    const anonymous = await browser.newContext({ colorScheme: scheme });
    const signInPage = await anonymous.newPage();
    await signInPage.goto('/admin/sign-in');
    for (const violation of await seriousViolations(signInPage)) found.push(`${scheme} /admin/sign-in: ${violation}`);
    await anonymous.close();
  }
  expect(found).toEqual([]);
});

async function phone(browser: Browser, width: number, scheme: 'light' | 'dark') {
  const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: scheme, isMobile: true, hasTouch: true });
  return { context, page: await context.newPage() };
}

test('on a phone (360 and 390 px, light and dark): menu, cards, transcript, no sideways scrolling; screenshots saved', async ({ browser, request }) => {
  test.setTimeout(240_000);
  const { sessionId } = await chat(request, [`Phone check ${suffix}: my parcel is late and the tracking page shows nothing at all.`, 'Can you help?']);
  const ref = sessionRef(sessionId);
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of [360, 390]) {
    for (const scheme of ['light', 'dark'] as const) {
      const { context, page } = await phone(browser, width, scheme);
      await signIn(page, E2E_ACCOUNTS.admin, '/admin/sessions');
      const noSideways = async (what: string) => {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${what} at ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
      };
      // The list as cards.
      await expect(page.getByRole('list', { name: 'Sessions' }).getByRole('link', { name: ref })).toBeVisible();
      await expect(page.locator('table')).toBeHidden();
      await noSideways('list');
      await page.screenshot({ path: path.join(SCREENSHOTS, `admin-sessions-${width}-${scheme}.png`), fullPage: true });
      // The menu opens and closes.
      await expect(page.getByRole('navigation', { name: 'Console' })).toBeHidden();
      await page.getByRole('button', { name: 'Menu' }).click();
      await expect(page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Agents' })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
      await page.screenshot({ path: path.join(SCREENSHOTS, `admin-menu-${width}-${scheme}.png`) });
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Overview' }).click();
      await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
      await expect(page.getByRole('navigation', { name: 'Console' })).toBeHidden();
      await page.waitForLoadState('networkidle');
      await noSideways('overview');
      await page.screenshot({ path: path.join(SCREENSHOTS, `admin-overview-${width}-${scheme}.png`), fullPage: true });
      await page.goto(`/admin/sessions/${ref}`);
      await expect(page.getByRole('listitem', { name: 'Turn 2' })).toBeVisible();
      await noSideways('transcript');
      await page.screenshot({ path: path.join(SCREENSHOTS, `admin-transcript-${width}-${scheme}.png`), fullPage: true });
      await context.close();
    }
  }
});
