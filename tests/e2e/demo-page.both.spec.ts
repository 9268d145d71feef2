import { expect, test } from '@playwright/test';

/**
 * /demo.html exactly as README says to try it: served by Tether itself (same origin), the widget
 * launcher shows, a message is answered, and nothing is refused or thrown on the way (the pages' CSP
 * must let the demo's own style and script through).
 */
test('/demo.html, same origin: the launcher shows, a message is answered, zero console errors', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));

  await page.goto('/demo.html');
  await expect(page.getByRole('heading', { name: 'Acme Bikes' })).toBeVisible();
  const launcher = page.getByRole('button', { name: 'Open support chat' });
  await expect(launcher).toBeVisible();
  await launcher.click();
  const frame = page.frameLocator('iframe[title="Acme support chat"]');
  const box = frame.getByRole('textbox', { name: 'Message' });
  await expect(box).toBeFocused();
  await box.fill('Do you repair bikes?');
  await box.press('Enter');
  const reply = frame.getByRole('article', { name: 'Assistant said' }).first();
  await expect(reply).toHaveAttribute('data-status', 'done');
  await expect(reply).not.toBeEmpty();

  // The conversation is kept across a reload of the demo page too.
  await page.reload();
  await expect(frame.getByRole('article', { name: 'You said' })).toHaveCount(1);
  await page.waitForTimeout(500);
  expect(errors).toEqual([]);
});
