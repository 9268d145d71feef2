import { expect, test, type Page } from '@playwright/test';

/** Sends one message with the keyboard and waits until its streamed reply is complete. */
async function send(page: Page, text: string, replyIndex: number) {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  const reply = page.getByRole('article', { name: 'Assistant said' }).nth(replyIndex);
  await expect(reply).toHaveAttribute('data-status', 'done');
  return reply;
}

test('three messages get three streamed replies, and a reload keeps the conversation', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Support', level: 1 })).toBeVisible();

  const replies = [];
  for (const [i, text] of ['Hello, my name is Ada.', 'My order 4711 is late.', 'What is my name?'].entries()) {
    replies.push(await (await send(page, text, i)).innerText());
  }
  await expect(page.getByRole('article', { name: 'You said' })).toHaveCount(3);
  await expect(page.getByRole('article', { name: 'Assistant said' })).toHaveCount(3);
  // The third reply was made with the first two turns in context.
  expect(replies[2]).toMatch(/Your name is Ada|saw 6 messages/);

  // localStorage holds the session id only, never the conversation.
  const stored = await page.evaluate(() => ({ ...window.localStorage }));
  expect(Object.keys(stored)).toEqual(['tether.sessionId']);
  expect(stored['tether.sessionId']).toMatch(/^s1\./);

  await page.reload();
  await expect(page.getByRole('article', { name: 'You said' })).toHaveCount(3);
  await expect(page.getByRole('article', { name: 'Assistant said' })).toHaveCount(3);
  await expect(page.getByRole('article', { name: 'You said' }).first()).toContainText('Hello, my name is Ada.');
  await expect(page.getByRole('article', { name: 'Assistant said' }).last()).toContainText(
    replies[2]!.split('\n')[0]!.slice(0, 30),
  );
});

test('a forged or unknown session id in the browser is replaced by a fresh conversation', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => window.localStorage.setItem('tether.sessionId', 's1.forged.forged'));
  await page.reload();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => window.localStorage.getItem('tether.sessionId')))
    .toMatch(/^s1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
  await send(page, 'Starting over', 0);
});

test('the API refuses a client-supplied history with a JSON 4xx, not a 500', async ({ request }) => {
  const response = await request.post('/api/chat', {
    data: { sessionId: 'x', text: 'hi', history: [] },
  });
  expect(response.status()).toBe(400);
  expect(await response.json()).toMatchObject({ error: { code: 'unknown_field' } });
});

test('a new session id is issued by the server', async ({ request }) => {
  const response = await request.post('/api/session');
  expect(response.status()).toBe(201);
  const body = (await response.json()) as { sessionId: string; expiresAt: string };
  expect(body.sessionId).toMatch(/^s1\./);
  expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
});
