import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { expect, test, type Browser, type FrameLocator, type Locator, type Page } from '@playwright/test';
import { SignJWT } from 'jose';
import { HOST_PAGE_PORT, SERVICES_MOCK, SERVICES_PORT, stackInfoFile } from './ports';

/**
 * RUN AFTER THE `identity` BRANCH IS MERGED: this spec drives the verified-customer path end to end
 * (POST /api/session {userToken} → the same conversation for the same `sub` on every device), which
 * the server only has once that branch is in. Until then its tests fail at the first verified session.
 *
 * The host site signs its customers with WIDGET_IDENTITY_SECRET (HS256, `sub`, `exp`, optional
 * `name`/`email`); tests/e2e/serve.ts gives the services stack a random secret and leaves it in the
 * stack's info file. The host page is on another site (`localhost`) than Tether (`127.0.0.1`).
 */

const TETHER = `http://127.0.0.1:${SERVICES_PORT}`;
const HOST = `http://localhost:${HOST_PAGE_PORT}`;

function identitySecret(): Uint8Array {
  const info = JSON.parse(readFileSync(stackInfoFile(SERVICES_PORT), 'utf8')) as { identitySecret?: string };
  if (!info.identitySecret) throw new Error('the services stack has no WIDGET_IDENTITY_SECRET (tests/e2e/serve.ts)');
  return new TextEncoder().encode(info.identitySecret);
}

async function tokenFor(sub: string, options: { expiresIn?: string | number; name?: string } = {}): Promise<string> {
  return new SignJWT({ ...(options.name ? { name: options.name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(identitySecret());
}

let hostServer: Server;

test.beforeAll(async () => {
  const demo = readFileSync(path.join('public', 'demo.html'), 'utf8').replace('src="/widget.js"', `src="${TETHER}/widget.js"`);
  // `/?sub=…`: the host site's server renders the signed-in customer's token into the tag (as a real
  // site would); `/?sub=…&expired`: a token that has expired; `/spa`: no token in the tag (Tether.identify).
  hostServer = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', HOST);
      if (url.pathname !== '/' && url.pathname !== '/spa') return void res.writeHead(404).end();
      let page = demo;
      const sub = url.searchParams.get('sub');
      if (url.pathname === '/' && sub) {
        const token = await tokenFor(sub, { name: `Customer ${sub}`, ...(url.searchParams.has('expired') ? { expiresIn: Math.floor(Date.now() / 1000) - 60 } : {}) });
        page = demo.replace('<script src=', `<script data-user-token="${token}" src=`);
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    })();
  });
  await new Promise<void>((resolve) => hostServer.listen(HOST_PAGE_PORT, 'localhost', resolve));
});

test.afterAll(async () => {
  await new Promise((resolve) => hostServer.close(resolve));
});

test.afterEach(async ({ request }) => {
  await request.post(`${SERVICES_MOCK}/reset`).catch(() => undefined);
});

function composer(chat: FrameLocator): Locator {
  return chat.getByRole('textbox', { name: 'Message' });
}

function replies(chat: FrameLocator): Locator {
  return chat.getByRole('article', { name: 'Assistant said' });
}

async function send(chat: FrameLocator, text: string, index: number): Promise<Locator> {
  await composer(chat).fill(text);
  await composer(chat).press('Enter');
  const reply = replies(chat).nth(index);
  await expect(reply).toHaveAttribute('data-status', 'done');
  return reply;
}

async function openAs(page: Page, query: string): Promise<FrameLocator> {
  await page.goto(`${HOST}/${query}`);
  await page.getByRole('button', { name: 'Open support chat' }).click();
  const frame = page.frameLocator('iframe[title="Acme support chat"]');
  await expect(composer(frame)).toBeVisible();
  return frame;
}

/** A device: a browser context of its own (no storage, no cookies shared with the others). */
async function device(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

test('two devices, one verified customer: a fact told on the first is remembered on the second; another customer sees nothing', async ({ browser }) => {
  const laptop = await device(browser);
  const onLaptop = await openAs(laptop, '?sub=cust-ada');
  await send(onLaptop, 'My name is Ada and my order is 4711.', 0);
  await send(onLaptop, 'It is a blue bike.', 1);

  const phone = await device(browser);
  const onPhone = await openAs(phone, '?sub=cust-ada');
  // The same transcript on the second device, with nothing stored there before.
  await expect(onPhone.getByRole('article', { name: 'You said' })).toHaveCount(2);
  await expect(onPhone.getByRole('article', { name: 'You said' }).first()).toContainText('My name is Ada');
  // And the same memory: the model's prompt for the phone's turn holds the laptop's first turn.
  await phone.request.post(`${SERVICES_MOCK}/reset`);
  await expect(await send(onPhone, 'What is my order number?', 2)).toContainText('saw 6 messages');
  const requests = (await (await phone.request.get(`${SERVICES_MOCK}/requests`)).json()) as { messages: unknown[] }[];
  expect(JSON.stringify(requests.at(-1)?.messages)).toContain('my order is 4711');
  // A verified conversation's id is not kept on the host page: the token gets it again.
  expect(await phone.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tether:') && k.endsWith(':session')))).toEqual([]);

  const stranger = await device(browser);
  const onStranger = await openAs(stranger, '?sub=cust-bob');
  await expect(onStranger.getByText('Hi! Ask us about orders')).toBeVisible();
  await expect(onStranger.getByRole('article')).toHaveCount(0);
});

test('an expired token: the widget asks the customer to sign in again and does not chat anonymously instead', async ({ browser }) => {
  const page = await device(browser);
  const created: number[] = [];
  page.on('response', (response) => {
    if (response.url() === `${TETHER}/api/session`) created.push(response.status());
  });
  const frame = await openAs(page, '?sub=cust-ada&expired');
  await expect(frame.getByRole('alert').filter({ hasText: 'Please sign in again' })).toBeVisible();
  await composer(frame).fill('Hello?');
  await composer(frame).press('Enter');
  await expect(replies(frame).first()).toHaveAttribute('data-status', 'error');
  await expect(replies(frame).first()).toContainText('sign in again');
  // Every attempt was refused; none fell back to an anonymous session.
  expect(created.length).toBeGreaterThan(0);
  expect(created.every((status) => status === 401)).toBe(true);
});

test('single-page app: Tether.identify signs in, a refreshed token keeps the open conversation, Tether.logout starts afresh', async ({ browser }) => {
  const page = await device(browser);
  const frame = await openAs(page, 'spa');
  await send(frame, 'Anonymous hello', 0);

  await page.evaluate((token) => (window as unknown as { Tether: { identify: (t: string) => void } }).Tether.identify(token), await tokenFor('cust-spa'));
  // The verified customer's own conversation (empty the first time), not the anonymous one.
  await expect(frame.getByRole('article')).toHaveCount(0);
  await send(frame, 'Signed in now', 0);

  // A fresh token for the same customer before the old one expires: nothing moves.
  await page.evaluate((token) => (window as unknown as { Tether: { identify: (t: string) => void } }).Tether.identify(token), await tokenFor('cust-spa', { expiresIn: '2h' }));
  await page.waitForTimeout(500);
  await expect(frame.getByRole('article', { name: 'You said' })).toHaveCount(1);
  await send(frame, 'Still here', 1);

  await page.evaluate(() => (window as unknown as { Tether: { logout: () => void } }).Tether.logout());
  await expect(frame.getByText('A new conversation has started.')).toBeVisible();
  await expect(frame.getByRole('article')).toHaveCount(0);

  // The verified conversation waits for the next sign-in, on any device.
  const other = await device(browser);
  await other.goto(`${HOST}/spa`);
  await other.evaluate((token) => (window as unknown as { Tether: { identify: (t: string) => void; open: () => void } }).Tether.identify(token), await tokenFor('cust-spa'));
  await other.evaluate(() => (window as unknown as { Tether: { open: () => void } }).Tether.open());
  const onOther = other.frameLocator('iframe[title="Acme support chat"]');
  await expect(onOther.getByRole('article', { name: 'You said' })).toHaveCount(2);
});
