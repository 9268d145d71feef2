/**
 * Rejects when `promise` has not settled after `ms`. For calls into drivers that can hang on a dead
 * connection (seen with postgres.js when a connection is cut mid-query): the caller moves on, the
 * late outcome is ignored (every write it guards is idempotent).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} took longer than ${ms} ms`), { code: 'timeout' })), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
