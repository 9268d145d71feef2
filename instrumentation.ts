/**
 * Runs once when the server starts. Next bundles this file on its own, so nothing stateful is made
 * here: an object created in this bundle would carry a second copy of every module it uses. The
 * runtime (clients, stores, the audit drainer) is built by the routes on first use.
 */
export async function register(): Promise<void> {}
