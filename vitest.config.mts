import { defineConfig } from 'vitest/config';

/**
 * unit: pure logic. integration: the real Postgres and Redis (through the Upstash REST bridge).
 * integration-embedded: the stack-agnostic part of the same suite on PGlite and the in-process store.
 * production: the production build (`next start`) under faults: killed, Redis and Postgres cut (needs the build).
 */
const integration = {
  environment: 'node' as const,
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // Files run one after another: several start servers, and the machine has two cores.
  fileParallelism: false,
  // The app logs degraded paths on purpose; show those logs only for tests that fail.
  silent: 'passed-only' as const,
};

export default defineConfig({
  resolve: {
    tsconfigPaths: true,
    // `server-only` throws outside Next's server bundles; tests import those modules directly.
    alias: { 'server-only': 'next/dist/compiled/server-only/empty.js' },
  },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 15_000 },
      },
      {
        extends: true,
        test: {
          ...integration,
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/support/require-services.ts'],
          env: { TETHER_TEST_STACK: 'services' },
        },
      },
      {
        extends: true,
        test: {
          ...integration,
          name: 'production',
          include: ['tests/production/**/*.test.ts'],
          globalSetup: ['tests/support/require-services.ts', 'tests/support/require-build.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          ...integration,
          name: 'integration-embedded',
          include: [
            'tests/integration/chat/**/*.test.ts',
            'tests/integration/memory/**/*.test.ts',
            'tests/integration/admin/**/*.test.ts',
            'tests/integration/handoff/**/*.test.ts',
            'tests/integration/review/**/*.test.ts',
          ],
          // The CLI's own tests need a database another process can open at the same time: Postgres only.
          exclude: ['tests/integration/admin/agent-create.test.ts'],
          env: { TETHER_TEST_STACK: 'embedded' },
        },
      },
    ],
  },
});
