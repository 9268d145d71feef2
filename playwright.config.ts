import { defineConfig, devices } from '@playwright/test';
import { chromiumExecutable } from './tests/support/browser';
import { EMBEDDED_PORT, SERVICES_PORT } from './tests/e2e/ports';

/**
 * End-to-end tests against the production build (`next build` first; `npm test` does it).
 * Two servers from the same build: one on the real services (Postgres, Redis through the Upstash
 * REST bridge, the mock model), one on the zero-setup embedded defaults with the demo model.
 */
const executablePath = chromiumExecutable();

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : 'list',
  outputDir: 'test-results/e2e',
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    {
      name: 'services',
      testMatch: /.*\.services\.spec\.ts|.*\.both\.spec\.ts/,
      use: { ...devices['Desktop Chrome'], baseURL: `http://127.0.0.1:${SERVICES_PORT}` },
    },
    {
      name: 'embedded',
      testMatch: /.*\.embedded\.spec\.ts|.*\.both\.spec\.ts/,
      use: { ...devices['Desktop Chrome'], baseURL: `http://127.0.0.1:${EMBEDDED_PORT}` },
    },
  ],
  webServer: (['services', 'embedded'] as const).map((stack) => {
    const port = stack === 'services' ? SERVICES_PORT : EMBEDDED_PORT;
    return {
      command: `npx tsx tests/e2e/serve.ts --stack ${stack} --port ${port}`,
      url: `http://127.0.0.1:${port}/api/health`,
      timeout: 120_000,
      reuseExistingServer: false,
      // SIGTERM lets serve.ts drop its test database and temp folder before it exits.
      gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 10_000 },
      stdout: 'pipe' as const,
      stderr: 'pipe' as const,
    };
  }),
});
