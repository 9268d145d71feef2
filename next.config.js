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

// Next's build assets (/_next/static) never pass through proxy.ts: they get the headers that do not
// depend on the request here. Same values as lib/security/headers.ts (a unit test compares them).
const STATIC_SECURITY_HEADERS = [
  { key: 'x-content-type-options', value: 'nosniff' },
  { key: 'referrer-policy', value: 'strict-origin-when-cross-origin' },
  {
    key: 'permissions-policy',
    value:
      'accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), browsing-topics=()',
  },
  { key: 'content-security-policy', value: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" },
  { key: 'x-frame-options', value: 'DENY' },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // The end-to-end benchmark (scripts/bench-e2e.ts) compiles two extra routes (app/api/bench/*/route.bench.ts)
  // into its own build; every other build keeps Next's default extensions and never serves them.
  pageExtensions: process.env.TETHER_BENCH_ROUTES === '1' ? ['tsx', 'ts', 'jsx', 'js', 'bench.ts'] : ['tsx', 'ts', 'jsx', 'js'],
  poweredByHeader: false,
  // proxy.ts answers the trailing-slash 308 itself, with the security headers; Next's own runs before
  // the proxy and carries none.
  skipTrailingSlashRedirect: true,
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
  async headers() {
    return [{ source: '/_next/static/:path*', headers: STATIC_SECURITY_HEADERS }];
  },
};

module.exports = nextConfig;
