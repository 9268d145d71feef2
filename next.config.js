const os = require('node:os');

/**
 * Hosts besides localhost from which `next dev` serves its dev resources (HMR, chunks): without
 * them a chat opened at http://127.0.0.1:3000 or at the LAN address Next prints stays on
 * "Connecting…". Read once when the dev server starts.
 */
function devOrigins() {
  const addresses = Object.values(os.networkInterfaces())
    .flat()
    .filter((entry) => entry && !entry.internal && entry.family === 'IPv4')
    .map((entry) => entry.address);
  return ['127.0.0.1', ...new Set(addresses)];
}

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // The end-to-end benchmark (scripts/bench-e2e.ts) compiles two extra routes (app/api/bench/*/route.bench.ts)
  // into its own build; every other build keeps Next's default extensions and never serves them.
  pageExtensions: process.env.TETHER_BENCH_ROUTES === '1' ? ['tsx', 'ts', 'jsx', 'js', 'bench.ts'] : ['tsx', 'ts', 'jsx', 'js'],
  poweredByHeader: false,
  // Lets two builds coexist (e.g. the test run's and a developer's); defaults to .next.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // A self-contained server for Docker and other self-hosting (<distDir>/standalone/server.js).
  // Vercel traces the build itself; it keeps its own output.
  ...(process.env.VERCEL ? {} : { output: 'standalone' }),
  allowedDevOrigins: devOrigins(),
  // Embedded and network database drivers are loaded from node_modules at run time, not bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres'],
  // The embedded database migrates itself from drizzle/ at start (instrumentation.ts and any route):
  // ship the SQL with the server code, also in the standalone output.
  outputFileTracingIncludes: { '/*': ['./drizzle/**/*'], '/api/**': ['./drizzle/**/*'] },
};

module.exports = nextConfig;
