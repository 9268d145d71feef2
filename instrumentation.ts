/**
 * Runs once when the server starts: open (and for PGlite, migrate) the audit database now, so the
 * embedded database's start-up cost is paid before the first customer's turn, not during it.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // Before anything else: the client's real address and the server's time limits (docs/security.md).
  const { installNodeServerHardening } = await import('@/lib/security/node-server');
  const { getConfig } = await import('@/lib/config');
  const { serverHeadersTimeoutMs, serverRequestTimeoutMs } = getConfig().security;
  installNodeServerHardening({ headersTimeoutMs: serverHeadersTimeoutMs, requestTimeoutMs: serverRequestTimeoutMs });
  const { getRuntime } = await import('@/lib/runtime');
  try {
    await getRuntime().database();
  } catch (error) {
    // A database that is down at start-up is not fatal: audit records wait in the outbox.
    console.warn('[tether] audit database not reachable at start-up:', error instanceof Error ? error.message : error);
  }
}
