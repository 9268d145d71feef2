import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

/** The demo-model banner (embedded stack: no model configured) on a phone: small, dismissible, accessible. */

const SHOTS = path.join('test-results', 'screenshots');

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`at 360 px (${scheme}) the demo banner is one short line, says how to connect a model, and can be dismissed`, async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/widget');
    const banner = page.getByRole('complementary', { name: 'Demo mode: no language model is configured' });
    await expect(banner).toBeVisible();
    // It used to take a quarter of the screen; now at most a tenth.
    const height = (await banner.boundingBox())!.height;
    expect(height).toBeLessThanOrEqual(74);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, `banner-360-${scheme}.png`) });

    // The details are one click away.
    await banner.getByText('Demo mode: no language model is configured').click();
    await expect(banner.getByText('OPENAI_API_KEY')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, `banner-360-${scheme}-open.png`) });

    await banner.getByRole('button', { name: 'Dismiss demo notice' }).click();
    await expect(banner).toBeHidden();
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
    // Dismissed for this tab: the next page does not bring it back.
    await page.reload();
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
    await expect(page.getByRole('complementary', { name: 'Demo mode: no language model is configured' })).toBeHidden();
  });
}
