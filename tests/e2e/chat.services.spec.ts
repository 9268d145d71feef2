import { expect, test } from '@playwright/test';
import { SERVICES_MOCK } from './ports';

/** The services stack's mock model takes its behaviour over HTTP (tests/e2e/serve.ts). */
const MOCK = SERVICES_MOCK;

test.afterEach(async ({ request }) => {
  await request.post(`${MOCK}/behaviour`, { data: { firstTokenDelayMs: 0, chunkDelayMs: 15, chunkSize: 6, faults: [] } });
});

test('the reply streams into the page token by token', async ({ page, request }) => {
  await request.post(`${MOCK}/behaviour`, {
    data: { firstTokenDelayMs: 400, chunkDelayMs: 120, chunkSize: 4 },
  });
  await page.goto('/');
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('Please stream this');
  await box.press('Enter');

  const reply = page.getByRole('article', { name: 'Assistant said' }).first();
  await expect(reply).toHaveAttribute('data-status', 'streaming');
  // Part of the text is on screen while the reply is still streaming.
  await expect(reply).toContainText('Mock');
  await expect(reply).toHaveAttribute('data-status', 'streaming');
  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
  await expect(reply).toContainText('Mock reply to: Please stream this');
});

test('a model failure shows a clear message and the retry succeeds', async ({ page, request }) => {
  await request.post(`${MOCK}/behaviour`, { data: { faults: ['500', '500', '500'] } });
  await page.goto('/');
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('This will fail first');
  await box.press('Enter');
  const reply = page.getByRole('article', { name: 'Assistant said' }).first();
  await expect(reply).toHaveAttribute('data-status', 'error');
  await expect(reply).toContainText(/temporarily unavailable/i);
  await expect(reply).not.toContainText(/Error:|stack|at /);

  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('article', { name: 'Assistant said' }).last()).toHaveAttribute('data-status', 'done');
  await expect(page.getByRole('article', { name: 'Assistant said' }).last()).toContainText('Mock reply to: This will fail first');
});
