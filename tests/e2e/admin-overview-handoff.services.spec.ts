import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import postgres from 'postgres';
import { sessionRef } from '../../lib/session-ref';
import { E2E_ACCOUNTS } from '../support/e2e-accounts';
import { SERVICES_PORT, stackInfoFile } from './ports';

/**
 * The overview's handoff section (issue 20 item 6) on the production build: seeded conversations on
 * two past days with known figures, shown as figures and tables whose links open the sessions, axe
 * clean in light and dark, and readable at 360 px without sideways scrolling (screenshots saved).
 */

const SCREENSHOTS = path.join('test-results', 'screenshots');
const suffix = randomBytes(4).toString('hex');
const PERIOD = '/admin?period=custom&from=2021-04-01&to=2021-04-02';

/** Two conversations ask for a person on 1 April (one answered in 3 min, then handed back), a third is only active on 2 April. */
const SEED: Array<{ key: string; created: string; last: string; events: Array<[string, string]> }> = [
  {
    key: 'a',
    created: '2021-04-01T09:00:00Z',
    last: '2021-04-01T09:30:00Z',
    events: [
      ['waiting:customer_asked', '2021-04-01T09:01:00Z'],
      ['agent:taken_over', '2021-04-01T09:02:00Z'],
      ['message', '2021-04-01T09:04:00Z'],
      ['message', '2021-04-01T09:05:00Z'],
      ['assistant:handed_back', '2021-04-01T09:10:00Z'],
    ],
  },
  { key: 'b', created: '2021-04-01T11:00:00Z', last: '2021-04-01T11:20:00Z', events: [['waiting:model_escalated', '2021-04-01T11:01:00Z']] },
  { key: 'c', created: '2021-04-02T08:00:00Z', last: '2021-04-02T08:10:00Z', events: [] },
];

async function seed(): Promise<void> {
  const { databaseUrl } = JSON.parse(readFileSync(stackInfoFile(SERVICES_PORT), 'utf8')) as { databaseUrl: string };
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`delete from sessions where last_user_text = 'seeded handoff'`;
    for (const row of SEED) {
      const ref = sessionRef(`handoff-${row.key}-${suffix}`);
      await sql`insert into sessions (id, ref, created_at, last_activity_at, turn_count, first_memory_status, last_memory_status, last_user_text)
        values (${ref}, ${ref}, ${row.created}, ${row.last}, 0, 'new', 'ok', 'seeded handoff')`;
      for (const [index, [what, at]] of row.events.entries()) {
        const [state, reason] = what.split(':');
        if (what === 'message') {
          await sql`insert into conversation_events (id, session_id, after_seq, event_seq, kind, text, actor_kind, actor_name, created_at)
            values (${randomUUID()}, ${ref}, 0, ${index + 1}, 'agent_message', 'A person here', 'agent', 'Ana', ${at})`;
        } else {
          await sql`insert into conversation_events (id, session_id, after_seq, event_seq, kind, state, reason, actor_kind, created_at)
            values (${randomUUID()}, ${ref}, 0, ${index + 1}, 'state', ${state ?? ''}, ${reason ?? ''}, 'system', ${at})`;
        }
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function signIn(page: Page, startAt: string): Promise<void> {
  await page.goto(startAt);
  await expect(page).toHaveURL(/\/admin\/sign-in\?callbackUrl=/);
  await page.getByLabel('E-mail').fill(E2E_ACCOUNTS.agent.email);
  await page.getByLabel('Password').fill(E2E_ACCOUNTS.agent.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\?period=custom/);
}

test.beforeAll(seed);

test('the handoff figures and tables show what the conversations did, and link to the sessions', async ({ page }) => {
  await signIn(page, PERIOD);
  const section = page.getByRole('region', { name: 'Handoffs to people' });
  await expect(section).toBeVisible();
  // 2 of 3 active conversations asked; one request answered after 3 minutes.
  await expect(section.locator('[data-figure="handoff-rate"]')).toHaveText('67%');
  await expect(section.locator('[data-figure="first-reply-p50"]')).toHaveText('3 min');
  await expect(section.locator('[data-figure="handed-back"]')).toHaveText('1');
  await expect(section.locator('[data-figure="agent-replies"]')).toHaveText('2');
  await expect(section.getByText('Customer asked 1, Assistant escalated 1.')).toBeVisible();
  await expect(section.getByText('1 of 2 requests answered by a person', { exact: false })).toBeVisible();

  const reasons = section.getByRole('region', { name: 'Why a person was asked for' });
  await reasons.getByText('Table of why a person was asked for').click();
  const firstDay = reasons.getByRole('row', { name: /2021-04-01/ });
  await expect(firstDay.getByRole('cell')).toHaveText(['1', '1']);
  await firstDay.getByRole('link', { name: '2021-04-01' }).click();
  await expect(page).toHaveURL(/\/admin\/sessions\?from=2021-04-01&to=2021-04-01/);
  await expect(page.getByRole('link', { name: sessionRef(`handoff-a-${suffix}`) }).first()).toBeVisible();
});

test('light and dark, desktop and 360 px: axe clean, no sideways scrolling; screenshots saved', async ({ browser }) => {
  test.setTimeout(180_000);
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of [1280, 360]) {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme, isMobile: width < 400, hasTouch: width < 400 });
      const page = await context.newPage();
      await signIn(page, PERIOD);
      const section = page.getByRole('region', { name: 'Handoffs to people' });
      await expect(section.locator('[data-figure="handoff-rate"]')).toHaveText('67%');
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `overview at ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
      const results = await new AxeBuilder({ page }).include('[aria-labelledby="handoffs"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
      await section.screenshot({ path: path.join(SCREENSHOTS, `admin-overview-handoff-${width}-${scheme}.png`) });
      await context.close();
    }
  }
});
