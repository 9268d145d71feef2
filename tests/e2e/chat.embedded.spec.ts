import { expect, test } from '@playwright/test';

test('with nothing configured, the page says the demo model answers and how to configure a real one', async ({ page }) => {
  await page.goto('/');
  const banner = page.getByRole('complementary', { name: 'Demo mode: no language model is configured' });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('OPENAI_API_KEY');
});

test('the demo model makes memory visible across turns', async ({ page }) => {
  await page.goto('/');
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('Hi, my name is Grace');
  await box.press('Enter');
  await expect(page.getByRole('article', { name: 'Assistant said' }).first()).toHaveAttribute('data-status', 'done');
  await box.fill('What is my name?');
  await box.press('Enter');
  const second = page.getByRole('article', { name: 'Assistant said' }).nth(1);
  await expect(second).toHaveAttribute('data-status', 'done');
  await expect(second).toContainText('Your name is Grace');
});
