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
  poweredByHeader: false,
  // Lets two builds coexist (e.g. the test run's and a developer's); defaults to .next.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // Embedded and network database drivers are loaded from node_modules at run time, not bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres'],
  // The embedded database migrates itself from drizzle/ at start: ship the SQL with the server code.
  outputFileTracingIncludes: { '/api/**': ['./drizzle/**/*'] },
  async headers() {
    return [{ source: '/_next/static/:path*', headers: STATIC_SECURITY_HEADERS }];
  },
};

module.exports = nextConfig;
