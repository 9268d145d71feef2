/**
 * Runs once when the server starts (Node.js runtime only): the start-up checks, tracing, optional
 * migrations and the audit database, in lib/startup.ts.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startServer } = await import('@/lib/startup');
  await startServer();
}
