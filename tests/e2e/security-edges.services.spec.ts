import { expect, test } from '@playwright/test';

/**
 * /demo.html served the way README says (same origin as Tether, production build): its own CSP
 * lets /widget.js run and style its launcher, with zero console errors and zero CSP violations.
 */
test('/demo.html same-origin: the launcher appears and opens the chat, zero console errors', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  // Name the address behind any "Failed to load resource" line.
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });

  const response = await page.goto('/demo.html');
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await expect(page.getByRole('heading', { name: 'Acme Bikes', level: 1 })).toBeVisible();

  const launcher = page.getByRole('button', { name: 'Open support chat' });
  await expect(launcher).toBeVisible();
  // Styled by widget.js's own <style>: a round, fixed button in the accent colour.
  await expect(launcher).toHaveCSS('position', 'fixed');
  await expect(launcher).toHaveCSS('background-color', 'rgb(15, 118, 110)');
  // The page's own <style> applied (the header band).
  await expect(page.locator('header')).toHaveCSS('background-color', 'rgb(15, 118, 110)');

  await launcher.click();
  const frame = page.frameLocator('iframe[title="Acme support chat"]');
  await expect(frame.getByRole('textbox', { name: 'Message' })).toBeVisible();
  await page.screenshot({ path: 'test-results/e2e/demo-page-open.png' });
  expect(problems).toEqual([]);
});
