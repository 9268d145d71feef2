import { expect, test, type Page } from '@playwright/test';

/**
 * Zero console errors and zero page errors on the customer's pages, on both stacks (a React
 * hydration mismatch, a CSP refusal or an uncaught promise all show up here). /demo.html has its own
 * spec (demo-page.both.spec.ts).
 */

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

for (const path of ['/', '/widget', '/widget?title=Acme%20support&lang=de']) {
  test(`no console or page error on ${path}, after a message and a reload`, async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(path);
    const box = page.getByRole('textbox', { name: /Message|Nachricht/ });
    await expect(box).toBeVisible();
    await expect(page.locator('[data-connection]')).toHaveAttribute('data-connection', 'online');
    await box.fill('Hello');
    await box.press('Enter');
    await expect(page.getByRole('article', { name: /Assistant said|Assistent schrieb/ }).first()).toHaveAttribute(
      'data-status',
      'done',
    );
    await page.reload();
    await expect(page.getByRole('article', { name: /You said|Sie schrieben/ })).toHaveCount(1);
    // Give late errors (hydration is reported after the first paint) a moment to arrive.
    await page.waitForTimeout(500);
    expect(errors).toEqual([]);
  });
}

test('the widget page framed by its own origin (the Close button): no hydration error', async ({ page, baseURL }) => {
  const errors = watchErrors(page);
  // A page of Tether's own origin that frames /widget the way widget.js does, with the host parameter.
  await page.route(`${baseURL}/frame-test`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><title>t</title><iframe title="chat" style="width:400px;height:600px" src="${baseURL}/widget?host=${encodeURIComponent(baseURL!)}"></iframe>`,
    }),
  );
  await page.goto('/frame-test');
  const frame = page.frameLocator('iframe[title="chat"]');
  await expect(frame.getByRole('button', { name: 'Close chat' })).toBeVisible();
  await page.waitForTimeout(500);
  expect(errors).toEqual([]);
});
