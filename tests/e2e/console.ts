import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import type { E2EAccount } from '../support/e2e-accounts';

/** The console's own sign-in, as an agent meets it: open a page, get sent to sign in, come back to it. */
export async function signIn(page: Page, account: E2EAccount, startAt: string): Promise<void> {
  await page.goto(startAt);
  await expect(page).toHaveURL(/\/admin\/sign-in\?callbackUrl=/);
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/sign-in/);
}

/** Collects console errors and uncaught page errors (a page we ship makes none), except those expected. */
export function watchConsole(page: Page, problems: string[], expected: RegExp[] = []): void {
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected.some((pattern) => pattern.test(message.text()))) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
}

/**
 * Serious and critical axe findings (WCAG 2.1 A and AA) on the page as it is. `openDetails` opens every
 * <details> first, so what a click reveals is checked too.
 */
export async function seriousViolations(page: Page, options: { openDetails?: boolean } = {}): Promise<string[]> {
  if (options.openDetails) await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}
