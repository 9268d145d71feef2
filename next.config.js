/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native/embedded database drivers are loaded from node_modules at run time, not bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres'],
};

module.exports = nextConfig;
