/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // The end-to-end benchmark (scripts/bench-e2e.ts) compiles two extra routes (app/api/bench/*/route.bench.ts)
  // into its own build; every other build keeps Next's default extensions and never serves them.
  pageExtensions: process.env.TETHER_BENCH_ROUTES === '1' ? ['tsx', 'ts', 'jsx', 'js', 'bench.ts'] : ['tsx', 'ts', 'jsx', 'js'],
  poweredByHeader: false,
  // Lets two builds coexist (e.g. the test run's and a developer's); defaults to .next.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // Embedded and network database drivers are loaded from node_modules at run time, not bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres'],
  // The embedded database migrates itself from drizzle/ at start: ship the SQL with the server code.
  outputFileTracingIncludes: { '/api/**': ['./drizzle/**/*'] },
};

module.exports = nextConfig;
