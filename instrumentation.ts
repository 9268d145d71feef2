/**
 * Runs once when the server starts (Node.js runtime only): the start-up checks, tracing, optional
 * migrations and the audit database, in lib/startup.ts.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startServer } = await import('@/lib/startup');
  await startServer();
  // The client's real address and the server's time limits, on the Node server next start creates (docs/security.md).
  const { installNodeServerHardening } = await import('@/lib/security/node-server');
  const { getConfig } = await import('@/lib/config');
  const { serverHeadersTimeoutMs, serverRequestTimeoutMs } = getConfig().security;
  installNodeServerHardening({ headersTimeoutMs: serverHeadersTimeoutMs, requestTimeoutMs: serverRequestTimeoutMs });
}
