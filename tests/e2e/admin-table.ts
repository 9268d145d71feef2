import type { Locator, Page } from '@playwright/test';

/**
 * A cell of the sessions table found by its column's heading, not its position: columns come and
 * go (a Customer column arrived with identity verification) and a position would then read another.
 */
export async function cellOf(page: Page, row: Locator, heading: string): Promise<Locator> {
  const headings = (await page.locator('thead th').allInnerTexts()).map((text) => text.trim().toLowerCase());
  const index = headings.indexOf(heading.toLowerCase());
  if (index < 0) throw new Error(`no column "${heading}" in ${JSON.stringify(headings)}`);
  return row.locator('td').nth(index);
}
