/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Lets two builds coexist (e.g. the test run's and a developer's); defaults to .next.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // Embedded and network database drivers are loaded from node_modules at run time, not bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres'],
  // The embedded database migrates itself from drizzle/ at start: ship the SQL with the server code.
  outputFileTracingIncludes: { '/api/**': ['./drizzle/**/*'] },
};

module.exports = nextConfig;
