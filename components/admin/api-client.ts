'use client';

/**
 * The console's calls to /api/admin: same-origin JSON (which is what the CSRF check expects), with
 * the server's error message surfaced as the thrown Error's message.
 */
export async function adminFetch<T>(path: string, init: { method: string; body?: unknown; headers?: Record<string, string> }): Promise<T> {
  const response = await fetch(path, {
    method: init.method,
    credentials: 'same-origin',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message =
      payload && typeof payload === 'object' && 'error' in payload && payload.error && typeof payload.error === 'object' && 'message' in payload.error
        ? String(payload.error.message)
        : `Request failed (${response.status}).`;
    throw new Error(message);
  }
  return payload as T;
}
