/** Where anonymous visitors of /admin are sent. */
export const SIGN_IN_PATH = '/admin/sign-in';

/** Only paths of the admin console on this origin: a sign-in link cannot send an agent elsewhere. */
export function safeAdminRedirect(url: string, baseUrl: string): string {
  try {
    const base = new URL(baseUrl);
    const target = new URL(url, base);
    if (target.origin === base.origin && (target.pathname === '/admin' || target.pathname.startsWith('/admin/'))) {
      return target.toString();
    }
  } catch {
    // Not a URL: fall through to the console's front page.
  }
  return new URL('/admin', baseUrl).toString();
}

/** The sign-in URL that brings the visitor back to `returnTo` afterwards. */
export function signInUrl(returnTo: string): string {
  return `${SIGN_IN_PATH}?${new URLSearchParams({ callbackUrl: returnTo })}`;
}

/** `safeAdminRedirect` as a path with its query, for links and hidden form fields. */
export function safeAdminPath(candidate: string | undefined): string {
  const url = new URL(safeAdminRedirect(candidate ?? '/admin', 'http://console.invalid'));
  return `${url.pathname}${url.search}`;
}
