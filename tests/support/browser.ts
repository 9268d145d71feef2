import { existsSync } from 'node:fs';

/** Debian's chromium (or one named by PLAYWRIGHT_CHROMIUM_PATH); undefined means Playwright's own download. */
export function chromiumExecutable(): string | undefined {
  const candidates = [process.env.PLAYWRIGHT_CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path): path is string => Boolean(path) && existsSync(path as string));
}
