import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import AxeBuilder from '@axe-core/playwright';
import { chromium, expect, test, type BrowserContext, type FrameLocator, type Locator, type Page } from '@playwright/test';
import { createClient } from 'redis';
import { sessionRef } from '../../lib/session-ref';
import { E2E_ACCOUNTS } from '../support/e2e-accounts';
import { chromiumExecutable } from '../support/browser';
import { TEST_REDIS_URL } from '../support/services';
import { HOST_PAGE_PORT, SERVICES_MOCK, SERVICES_PORT } from './ports';

/**
 * The customer's chat as the issue's "Done when" lists it, on the production build (services stack:
 * real Redis through the bridge, Postgres, the mock model whose reply is set over its control API).
 * The widget is embedded in public/demo.html served by a tiny static server on ANOTHER SITE: the host
 * page is on `localhost`, Tether on `127.0.0.1` (another port of the same host would be the same site,
 * where the frame's storage is first-party and nothing of a real embed shows).
 */

const TETHER = `http://127.0.0.1:${SERVICES_PORT}`;
const HOST = `http://localhost:${HOST_PAGE_PORT}`;
const SHOTS = path.join('test-results', 'screenshots');

let hostServer: Server;

test.beforeAll(async () => {
  const demo = readFileSync(path.join('public', 'demo.html'), 'utf8')
    .replace('src="/widget.js"', `src="${TETHER}/widget.js"`)
    // A real link to a second page of the shop.
    .replace('</main>', '<p><a href="/page2" style="color:inherit">Our bikes</a></p></main>');
  const second = demo.replace('<h2>A host page with the Tether widget</h2>', '<h2>Our bikes</h2>').replace('href="/page2" style="color:inherit">Our bikes', 'href="/" style="color:inherit">Home');
  // The same page with other options: German, on the left, open on load.
  const german = demo.replace('data-position="right"', 'data-position="left" data-lang="de" data-open="true"');
  hostServer = createServer((req, res) => {
    const page = req.url === '/' ? demo : req.url === '/page2' ? second : req.url === '/?de' ? german : null;
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end(); // the shop's own favicon is not what these tests are about
    } else if (page) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    } else {
      res.writeHead(404).end();
    }
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

async function setReply(page: Page, reply: string, pace: { chunkDelayMs?: number; chunkSize?: number } = {}) {
  const response = await page.request.post(`${SERVICES_MOCK}/behaviour`, { data: { reply, ...pace } });
  expect(response.ok()).toBe(true);
}

type Chat = Page | FrameLocator;

function composer(chat: Chat): Locator {
  return chat.getByRole('textbox', { name: 'Message' });
}

function replies(chat: Chat): Locator {
  return chat.getByRole('article', { name: 'Assistant said' });
}

async function send(chat: Chat, text: string, index: number): Promise<Locator> {
  await composer(chat).fill(text);
  await composer(chat).press('Enter');
  const reply = replies(chat).nth(index);
  await expect(reply).toHaveAttribute('data-status', 'done');
  return reply;
}

async function openWidget(page: Page): Promise<FrameLocator> {
  await page.goto(HOST);
  const launcher = page.getByRole('button', { name: 'Open support chat' });
  await launcher.click();
  await expect(page.getByRole('button', { name: 'Close support chat' })).toHaveAttribute('aria-expanded', 'true');
  const frame = page.frameLocator('iframe[title="Acme support chat"]');
  await expect(composer(frame)).toBeVisible();
  // Hydrated and connected (typing into the server-rendered box before hydration would be lost).
  await expect(frame.locator('[data-connection]')).toHaveAttribute('data-connection', 'online');
  return frame;
}

async function storedSessionId(page: Page): Promise<string> {
  const id = await page.evaluate(() => window.localStorage.getItem('tether.sessionId'));
  expect(id).toMatch(/^s1\./);
  return id!;
}

async function signInAndOpen(page: Page, sessionId: string): Promise<void> {
  const account = E2E_ACCOUNTS.agent;
  // The console names conversations by their reference, never by the customer's id.
  await page.goto(`/admin/sessions/${sessionRef(sessionId)}`);
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
}

/**
 * Chromium's own settings for third-party cookies (and with them the storage of a cross-site frame),
 * as a fresh profile's Preferences file: Chromium 156 blocks them by default; `cookie_controls_mode: 1`
 * is the "Block third-party cookies" setting, 0 allows them (the control that proves the switch acts).
 * `blockAll` is "Block all cookies" (site data too): then even the host page cannot store anything.
 */
const BROWSER_MODES = {
  'default settings': null,
  'third-party cookies blocked': { profile: { cookie_controls_mode: 1, block_third_party_cookies: true } },
  'third-party cookies allowed (control)': { profile: { cookie_controls_mode: 0, block_third_party_cookies: false } },
  blockAll: { profile: { cookie_controls_mode: 1, default_content_setting_values: { cookies: 2 } } },
} as const;

type BrowserMode = keyof typeof BROWSER_MODES;

/** A browser with a profile of its own, so its cookie settings are real settings, not a test double. */
async function browserWith(mode: BrowserMode): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tether-e2e-profile-'));
  const prefs = BROWSER_MODES[mode];
  if (prefs) {
    mkdirSync(path.join(dir, 'Default'), { recursive: true });
    writeFileSync(path.join(dir, 'Default', 'Preferences'), JSON.stringify(prefs));
  }
  const executablePath = chromiumExecutable();
  const context: BrowserContext = await chromium.launchPersistentContext(dir, {
    ...(executablePath ? { executablePath } : {}),
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    baseURL: TETHER,
    viewport: { width: 1280, height: 800 },
  });
  // The profile's first window must be the active one, or focus checks see an inactive document.
  const page = context.pages()[0] ?? (await context.newPage());
  await page.bringToFront();
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the widget frame itself can store, asked inside it. */
async function frameStorageState(page: Page): Promise<string> {
  const frame = page.frames().find((f) => f.url().startsWith(`${TETHER}/widget`));
  if (!frame) throw new Error('no widget frame');
  return frame.evaluate(() => {
    try {
      window.localStorage.getItem('x');
      return 'usable';
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  });
}

const MODES: BrowserMode[] = ['default settings', 'third-party cookies blocked', 'third-party cookies allowed (control)'];

for (const mode of MODES) {
  test(`another site, ${mode}: three turns, a link to the next page, a reload, reopen: the same conversation and memory`, async () => {
    const { context, close } = await browserWith(mode);
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      // Blocked storage must not cost a single error in the console (the frame's messages included).
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url}`);
      });
      page.on('pageerror', (error) => errors.push(error.message));
      const frame = await openWidget(page);
      await expect(frame.getByRole('heading', { name: 'Acme support', level: 1 })).toBeVisible();
      await expect(frame.getByText('Hi! Ask us about orders')).toBeVisible();
      await expect(composer(frame)).toBeFocused();
      // The control: the setting really decides what the cross-site frame may store.
      if (mode === 'third-party cookies allowed (control)') expect(await frameStorageState(page)).toBe('usable');
      else expect(await frameStorageState(page)).toContain('Access is denied');

      const texts = ['Hello, my name is Ada.', 'My order 4711 is late.', 'It is a blue bike.'];
      for (const [i, text] of texts.entries()) await send(frame, text, i);
      await expect(frame.locator('[data-session-notice]')).toHaveCount(0);

      const said = frame.getByRole('article', { name: 'You said' });
      const sameConversation = async () => {
        await expect(said).toHaveCount(3);
        for (const [i, text] of texts.entries()) await expect(said.nth(i)).toContainText(text);
        await expect(replies(frame)).toHaveCount(3);
      };

      // 1. A real link to the next page of the shop: the panel was open, so it opens again there.
      await page.getByRole('link', { name: 'Our bikes' }).click();
      await expect(page.getByRole('heading', { name: 'Our bikes' })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Close support chat' })).toHaveAttribute('aria-expanded', 'true');
      await sameConversation();

      // 2. A reload, then close and reopen.
      await page.reload();
      await sameConversation();
      await page.getByRole('button', { name: 'Close support chat' }).click();
      await expect(page.locator('iframe[title="Acme support chat"]')).toBeHidden();
      await page.getByRole('button', { name: 'Open support chat' }).click();
      await sameConversation();

      // The memory too: the model's prompt for the fourth turn holds the first.
      await page.request.post(`${SERVICES_MOCK}/reset`);
      const fourth = await send(frame, 'What is my name?', 3);
      await expect(fourth).toContainText('saw 8 messages');
      const requests = (await (await page.request.get(`${SERVICES_MOCK}/requests`)).json()) as { messages: { content: string }[] }[];
      expect(JSON.stringify(requests.at(-1)?.messages)).toContain('Hello, my name is Ada.');

      // The frame's close button hides the panel and gives focus back to the launcher.
      await frame.getByRole('button', { name: 'Close chat' }).click();
      await expect(page.locator('iframe[title="Acme support chat"]')).toBeHidden();
      await expect(page.getByRole('button', { name: 'Open support chat' })).toBeFocused();
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
}

for (const mode of ['default settings', 'third-party cookies blocked'] as const) {
  test(`another site, ${mode}: a reply streaming while the customer follows a link completes on the next page`, async () => {
    const { context, close } = await browserWith(mode);
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const long = `Here is a long answer. ${Array.from({ length: 40 }, (_, i) => `Sentence ${i + 1} of the answer.`).join(' ')} THE END.`;
      await setReply(page, long, { chunkDelayMs: 60, chunkSize: 8 });
      const frame = await openWidget(page);
      await composer(frame).fill('Tell me everything');
      await composer(frame).press('Enter');
      await expect(replies(frame).first()).toContainText('Sentence 3');
      await expect(replies(frame).first()).toHaveAttribute('data-status', 'streaming');

      await page.getByRole('link', { name: 'Our bikes' }).click();
      await expect(page.getByRole('heading', { name: 'Our bikes' })).toBeVisible();
      // The question and the reply so far are there on the next page, and the reply goes on to its end.
      await expect(frame.getByRole('article', { name: 'You said' })).toHaveCount(1);
      await expect(replies(frame)).toHaveCount(1);
      await expect(replies(frame).first()).toContainText('THE END.', { timeout: 30_000 });
      await expect(replies(frame).first()).toHaveAttribute('data-status', 'done');
      await page.reload();
      await expect(replies(frame)).toHaveCount(1);
      await expect(replies(frame).first()).toContainText('THE END.');
    } finally {
      await close();
    }
  });
}

test('everything blocked (no storage for the host page either): the widget says the conversation will not be kept', async () => {
  const { context, close } = await browserWith('blockAll');
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.setViewportSize({ width: 360, height: 740 });
    const frame = await openWidget(page);
    const notice = frame.getByRole('status').filter({ hasText: 'conversation lasts only while this page is open' });
    await expect(notice).toBeVisible();
    // Still a working chat for this page view.
    await send(frame, 'Hello anyway', 0);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const results = await new AxeBuilder({ page }).analyze();
      const serious = results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${scheme} ${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(', ')}`);
      expect(serious).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `widget-not-kept-360-${scheme}.png`) });
    }
  } finally {
    await close();
  }
});

test('keyboard only: open with Enter, type and send, close with Escape back to the launcher', async ({ page }) => {
  await page.goto(HOST);
  const launcher = page.getByRole('button', { name: 'Open support chat' });
  // Tab to the launcher (after the host page's one link).
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Our bikes' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(launcher).toBeFocused();
  await page.keyboard.press('Enter');
  const frame = page.frameLocator('iframe[title="Acme support chat"]');
  await expect(composer(frame)).toBeFocused();
  await page.keyboard.type('Typed with the keyboard');
  await page.keyboard.press('Enter');
  await expect(replies(frame).first()).toHaveAttribute('data-status', 'done');
  await expect(replies(frame).first()).toContainText('Typed with the keyboard');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Open support chat' })).toBeFocused();
});

test('a reply interrupted by a reload completes after it', async ({ page }) => {
  const long = `Here is a long answer. ${Array.from({ length: 40 }, (_, i) => `Sentence ${i + 1} of the answer.`).join(' ')} THE END.`;
  await setReply(page, long, { chunkDelayMs: 60, chunkSize: 8 });
  await page.goto('/');
  await composer(page).fill('Tell me everything');
  await composer(page).press('Enter');
  await expect(replies(page).first()).toContainText('Sentence 3');
  await expect(replies(page).first()).toHaveAttribute('data-status', 'streaming');

  await page.reload();
  // The question and the reply so far are back at once, and the reply goes on streaming to its end.
  await expect(page.getByRole('article', { name: 'You said' })).toHaveCount(1);
  await expect(page.getByRole('article', { name: 'You said' })).toContainText('Tell me everything');
  await expect(replies(page)).toHaveCount(1);
  await expect(replies(page).first()).toHaveAttribute('data-status', 'streaming');
  await expect(replies(page).first()).toContainText('THE END.', { timeout: 30_000 });
  await expect(replies(page).first()).toHaveAttribute('data-status', 'done');
  // And the finished turn is the server's: one more reload shows it once.
  await page.reload();
  await expect(replies(page)).toHaveCount(1);
  await expect(replies(page).first()).toContainText('THE END.');
});

test('stop keeps the partial reply, and the audit records the turn as stopped', async ({ page, browser }) => {
  const long = `Start of a slow answer. ${'More words keep coming. '.repeat(60)}NEVER SHOWN`;
  await setReply(page, long, { chunkDelayMs: 80, chunkSize: 6 });
  await page.goto('/');
  await composer(page).fill('Please stop me');
  await composer(page).press('Enter');
  const reply = replies(page).first();
  await expect(reply).toContainText('Start of a slow');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(reply).toHaveAttribute('data-status', 'stopped');
  await expect(reply).toContainText('You stopped this reply.');
  const partial = await reply.innerText();
  await page.waitForTimeout(800);
  // Nothing more arrives after the stop.
  expect(await reply.innerText()).toBe(partial);
  expect(partial).not.toContain('NEVER SHOWN');
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();

  const sessionId = await storedSessionId(page);
  const admin = await (await browser.newContext({ baseURL: TETHER })).newPage();
  await signInAndOpen(admin, sessionId);
  await expect(async () => {
    await admin.reload();
    await expect(admin.getByText('Stopped by the customer.')).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(admin.getByText('aborted: model_aborted', { exact: true })).toBeVisible();
});

test('Markdown renders bold, lists, code and safe links; raw HTML and javascript: links do nothing', async ({ page }) => {
  const markdown = [
    '**Bold words** and a list:',
    '',
    '- first item',
    '- second item',
    '',
    'Run `npm test` or:',
    '',
    '```',
    `const veryLongLine = "${'x'.repeat(300)}";`,
    '```',
    '',
    '[Read the docs](https://example.com/docs) or [click me](javascript:window.__pwned=1) or [data](data:text/html,<script>parent.__pwned=3</script>)',
    '',
    '<img src=x onerror="window.__pwned=2"> <script>window.__pwned=4</script> <a href="javascript:window.__pwned=5">raw link</a>',
  ].join('\n');
  await setReply(page, markdown);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto('/');
  const reply = await send(page, 'Show me formatting', 0);

  await expect(reply.locator('strong')).toHaveText('Bold words');
  await expect(reply.locator('ul > li')).toHaveText(['first item', 'second item']);
  await expect(reply.locator('code').first()).toHaveText('npm test');
  const pre = reply.locator('pre');
  await expect(pre).toBeVisible();
  // Long code scrolls inside its box: the bubble stays within the page.
  const box = (await reply.boundingBox())!;
  expect(box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  expect(await pre.evaluate((el) => getComputedStyle(el).overflowX)).toBe('auto');

  const docs = reply.getByRole('link', { name: 'Read the docs' });
  await expect(docs).toHaveAttribute('href', 'https://example.com/docs');
  await expect(docs).toHaveAttribute('target', '_blank');
  await expect(docs).toHaveAttribute('rel', 'noopener noreferrer');
  // Unsafe links are not links at all; raw HTML is not rendered as elements.
  await expect(reply.getByRole('link')).toHaveCount(1);
  await expect(reply.locator('img, script, a[href^="javascript"], a[href^="data"]')).toHaveCount(0);
  await reply.getByText('click me').click();
  await reply.getByText('data', { exact: true }).click();
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
});

test('thumbs up on a reply shows in /admin on that turn', async ({ page, browser }) => {
  await page.goto('/');
  await send(page, 'First question', 0);
  const second = await send(page, 'Second question, worth a thumbs up', 1);
  const up = second.getByRole('button', { name: 'Helpful', exact: true });
  const feedback = page.waitForResponse((r) => r.url().endsWith('/api/feedback'));
  await up.click();
  expect((await feedback).status()).toBe(204);
  await expect(up).toHaveAttribute('aria-pressed', 'true');

  // The customer's rating is still shown after a reload (the server's history carries it).
  await page.reload();
  const again = replies(page).nth(1).getByRole('button', { name: 'Helpful', exact: true });
  await expect(again).toHaveAttribute('aria-pressed', 'true');
  await expect(replies(page).nth(0).getByRole('button', { name: 'Helpful', exact: true })).toHaveAttribute('aria-pressed', 'false');

  // Another session may not rate this session's replies.
  const other = (await (await page.request.post('/api/session')).json()) as { sessionId: string };
  const auditId = (await page.evaluate(async (id) => {
    const r = await fetch('/api/session/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: id }),
    });
    return ((await r.json()) as { messages: { auditId: string }[] }).messages[3]!.auditId;
  }, await storedSessionId(page)));
  const forged = await page.request.post('/api/feedback', { data: { sessionId: other.sessionId, auditId, rating: 'down' } });
  expect(forged.status()).toBe(404);

  const admin = await (await browser.newContext({ baseURL: TETHER })).newPage();
  await signInAndOpen(admin, await storedSessionId(page));
  await expect(async () => {
    await admin.reload();
    await expect(admin.getByRole('listitem', { name: 'Turn 2' }).locator('[data-feedback="up"]')).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(admin.getByRole('listitem', { name: 'Turn 1' }).locator('[data-feedback]')).toHaveCount(0);
});

test('"New conversation" starts a fresh session', async ({ page }) => {
  await page.goto('/');
  await send(page, 'Remember the word pineapple', 0);
  const before = await storedSessionId(page);
  await page.getByRole('button', { name: 'New conversation' }).click();
  await expect(page.getByText('A new conversation has started.')).toBeVisible();
  await expect(page.getByRole('article')).toHaveCount(0);
  await expect.poll(() => page.evaluate(() => window.localStorage.getItem('tether.sessionId'))).not.toBe(before);
  const reply = await send(page, 'Do you know the word?', 0);
  // A fresh conversation: the model saw only the system prompt and this message.
  await expect(reply).toContainText('saw 2 messages');
  await page.reload();
  await expect(page.getByRole('article', { name: 'You said' })).toHaveCount(1);
});

test('Persian with its zero-width non-joiner and a ZWJ family emoji read back identically after a reload', async ({ page }) => {
  const persian = 'می\u200Cخواهم';
  const family = '👨\u200D👩\u200D👧';
  await page.goto('/');
  await send(page, persian, 0);
  await send(page, `Family: ${family}`, 1);
  await page.reload();
  const said = page.getByRole('article', { name: 'You said' });
  await expect(said).toHaveCount(2);
  expect(await said.nth(0).locator('p').textContent()).toBe(persian);
  expect(await said.nth(1).locator('p').textContent()).toBe(`Family: ${family}`);
});

test('the memory-lost notice appears when the session memory is cleared', async ({ page }) => {
  await page.goto('/');
  await send(page, 'Something to forget', 0);
  const sessionId = await storedSessionId(page);
  const redis = createClient({ url: TEST_REDIS_URL });
  await redis.connect();
  try {
    // The conversation's window goes; its turn counter, which says it once existed, stays (an expiry looks the same).
    // Memory is keyed by the conversation's reference, never its id (docs/memory.md).
    const keys = (await redis.keys(`*:s:{${sessionRef(sessionId)}}*`)).filter((key) => !key.endsWith(':n'));
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(keys);
  } finally {
    await redis.quit();
  }
  await page.reload();
  await expect(page.getByRole('status').filter({ hasText: 'no longer available' })).toBeVisible();
  await expect(page.getByRole('article')).toHaveCount(0);
});

test('two tabs on one conversation stay in step', async ({ context }) => {
  const first = await context.newPage();
  await first.goto('/');
  await send(first, 'Sent from the first tab', 0);
  const second = await context.newPage();
  await second.goto('/');
  await expect(second.getByRole('article', { name: 'You said' })).toHaveCount(1);
  await send(first, 'And another one', 1);
  await expect(second.getByRole('article', { name: 'You said' })).toHaveCount(2);
  await expect(replies(second).nth(1)).toHaveAttribute('data-status', 'done');
  await expect(replies(second).nth(1)).toContainText('And another one');
});

test('the composer shows the limit as it nears and blocks an over-long message', async ({ page }) => {
  await page.goto('/');
  await composer(page).fill('a'.repeat(3500));
  await expect(page.getByText('3,500 / 4,000 characters')).toBeVisible();
  await composer(page).fill('a'.repeat(4010));
  await expect(page.getByText(/Too long to send: 10 characters over the 4,000 limit/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled();
  await composer(page).press('Enter');
  await expect(page.getByRole('article')).toHaveCount(0);
});

test('the header tells the real connection state', async ({ page, context }) => {
  await page.goto('/');
  const state = page.locator('[data-connection]');
  await expect(state).toHaveAttribute('data-connection', 'online');
  await context.setOffline(true);
  await expect(state).toHaveAttribute('data-connection', 'offline');
  await composer(page).fill('Sent while offline');
  await composer(page).press('Enter');
  await expect(replies(page).first()).toHaveAttribute('data-status', 'error');
  await expect(replies(page).first()).not.toContainText(/your (connection|network)/i);
  await context.setOffline(false);
  await expect(state).toHaveAttribute('data-connection', 'online', { timeout: 20_000 });
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(replies(page).first()).toHaveAttribute('data-status', 'done');
});

test.describe('accessibility and looks', () => {
  const cases = [
    { name: 'desktop-light', viewport: { width: 1280, height: 800 }, colorScheme: 'light' as const },
    { name: 'desktop-dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' as const },
    { name: 'phone-light', viewport: { width: 360, height: 740 }, colorScheme: 'light' as const },
    { name: 'phone-dark', viewport: { width: 360, height: 740 }, colorScheme: 'dark' as const },
  ];

  async function seriousViolations(page: Page) {
    const results = await new AxeBuilder({ page }).analyze();
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  for (const c of cases) {
    test(`no serious axe violations, and screenshots: ${c.name}`, async ({ page }) => {
      await page.setViewportSize(c.viewport);
      await page.emulateMedia({ colorScheme: c.colorScheme });
      await setReply(page, 'Here is **some help**:\n\n1. Check the order page\n2. Write to `support@example.com`\n\n[Track it](https://example.com/track)');

      await page.goto('/');
      await send(page, 'How do I track my order?', 0);
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `page-${c.name}.png`) });

      // The widget panel, on its own page and embedded on the host page.
      await page.goto(`/widget?title=Acme%20support&accent=%230f766e&host=${encodeURIComponent(HOST)}`);
      await expect(replies(page)).toHaveCount(1);
      expect(await seriousViolations(page)).toEqual([]);

      // On another site: the embed's own conversation (the host page keeps its id).
      const frame = await openWidget(page);
      if ((await replies(frame).count()) === 0) await send(frame, 'How do I track my order?', 0);
      await expect(replies(frame)).toHaveCount(1);
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `widget-${c.name}.png`) });
    });
  }
});

test('the reply does not move the page while it streams (no layout shift above it)', async ({ page }) => {
  await setReply(page, 'word '.repeat(80), { chunkDelayMs: 40, chunkSize: 10 });
  await page.goto('/');
  await send(page, 'First', 0);
  await composer(page).fill('Second');
  await composer(page).press('Enter');
  const header = page.locator('header');
  const composerBox = await page.locator('form').boundingBox();
  const headerBox = await header.boundingBox();
  await expect(replies(page).nth(1)).toHaveAttribute('data-status', 'done');
  expect(await header.boundingBox()).toEqual(headerBox);
  expect(await page.locator('form').boundingBox()).toEqual(composerBox);
});

test('a rate-limited customer sees when to try again, and can once the wait is over', async ({ page }) => {
  let limited = true;
  await page.route('**/api/chat', async (route) => {
    if (!limited) return route.continue();
    limited = false;
    await route.fulfill({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '3' },
      body: JSON.stringify({ error: { code: 'rate_limited', message: 'You are sending messages faster than we can answer them.' } }),
    });
  });
  await page.goto('/');
  await composer(page).fill('Too fast');
  await composer(page).press('Enter');
  const reply = replies(page).first();
  await expect(reply).toHaveAttribute('data-status', 'error');
  await expect(reply).toContainText(/You can send again in [1-3] s\./);
  await expect(page.getByRole('button', { name: 'Retry' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Retry' })).toBeEnabled({ timeout: 6000 });
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(reply).toHaveAttribute('data-status', 'done');
  await expect(reply).toContainText('Mock reply to: Too fast');
});

test('widget options from data- attributes: language, position, open on load', async ({ page }) => {
  await page.goto(`${HOST}/?de`);
  const frame = page.frameLocator('iframe[title="Acme support chat"]');
  // Open on load, in German, with the launcher on the left.
  await expect(frame.getByRole('textbox', { name: 'Nachricht' })).toBeVisible();
  await expect(frame.getByRole('button', { name: 'Senden' })).toBeVisible();
  const launcher = page.getByRole('button', { name: 'Support-Chat schließen' });
  await expect(launcher).toHaveAttribute('aria-expanded', 'true');
  const box = (await launcher.boundingBox())!;
  expect(box.x).toBeLessThan(100);
  await frame.getByRole('textbox', { name: 'Nachricht' }).fill('Hallo');
  await frame.getByRole('textbox', { name: 'Nachricht' }).press('Enter');
  await expect(frame.getByRole('article', { name: 'Assistent schrieb' })).toHaveAttribute('data-status', 'done');
  await launcher.click();
  await expect(page.getByRole('button', { name: 'Support-Chat öffnen' })).toHaveAttribute('aria-expanded', 'false');
});

test('when the service cannot be reached the header says reconnecting, then online again', async ({ page }) => {
  await page.goto('/');
  const state = page.locator('[data-connection]');
  await expect(state).toHaveAttribute('data-connection', 'online');
  // The server goes away (the browser itself stays online).
  await page.route('**/api/**', (route) => route.abort('connectionrefused'));
  await composer(page).fill('Are you there?');
  await composer(page).press('Enter');
  await expect(replies(page).first()).toHaveAttribute('data-status', 'error');
  await expect(state).toHaveAttribute('data-connection', 'reconnecting');
  await expect(state).toContainText('Reconnecting');
  await expect(replies(page).first()).toContainText('couldn’t reach our support service');
  await page.unroute('**/api/**');
  await expect(state).toHaveAttribute('data-connection', 'online', { timeout: 20_000 });
});
