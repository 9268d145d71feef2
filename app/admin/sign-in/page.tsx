import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { signInWithProvider } from '@/app/admin/auth-actions';
import { SignInForm } from '@/components/admin/SignInForm';
import { currentPageAgent } from '@/lib/runtime/auth';
import { safeAdminPath } from '@/lib/auth/redirect';
import { setupIsOpen } from '@/lib/auth/setup';
import { getRuntime } from '@/lib/runtime';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

const PROVIDER_LABELS = { github: 'GitHub', google: 'Google', oidc: 'single sign-on' } as const;

/** Auth.js sends provider failures here as ?error=…; the visitor gets a sentence, not a code. */
const ERRORS: Record<string, string> = {
  AccessDenied: 'That account is not allowed into the review console.',
  Configuration: 'Sign-in is misconfigured on the server. Check its log.',
  OAuthCallbackError: 'The sign-in provider did not complete the sign-in. Try again.',
};

type SearchParams = Record<string, string | string[] | undefined>;

export default async function SignInPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const first = (key: string) => {
    const value = params[key];
    return Array.isArray(value) ? value[0] : value;
  };
  // Only a path inside the console survives (same rule as the Auth.js redirect callback).
  const callbackUrl = safeAdminPath(first('callbackUrl'));

  if (await currentPageAgent()) redirect(callbackUrl);

  const runtime = getRuntime();
  const configured = runtime.config.authSecret !== undefined;
  const firstRun = configured && (await setupIsOpen(runtime));
  const providerError = first('error');

  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <div className="mb-5 flex items-center gap-2">
          <span aria-hidden="true" className="flex size-8 items-center justify-center rounded-md bg-blue-600 font-semibold text-white">
            T
          </span>
          <h1 className="text-lg font-semibold">Tether review</h1>
        </div>
        {!configured ? (
          <p role="alert" className="text-sm text-slate-700 dark:text-slate-300">
            Admin sign-in is off: set <code className="font-mono">AUTH_SECRET</code> (at least 32 characters) and restart. See
            docs/admin.md.
          </p>
        ) : (
          <>
            {firstRun && (
              <p className="mb-4 rounded-md bg-blue-50 px-3 py-2 text-sm text-blue-900 dark:bg-blue-950/50 dark:text-blue-100">
                No admin account exists yet. <a className="font-medium underline" href="/admin/setup">Create the first one</a> with the
                setup token printed in the server log.
              </p>
            )}
            {providerError && providerError !== 'CredentialsSignin' && (
              <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-200">
                {ERRORS[providerError] ?? 'Sign-in failed. Try again.'}
              </p>
            )}
            <SignInForm callbackUrl={callbackUrl} initialEmail="" />
            {runtime.config.admin.oauth.length > 0 && (
              <div className="mt-5 space-y-2 border-t border-slate-200 pt-5 dark:border-slate-800">
                {runtime.config.admin.oauth.map((provider) => (
                  <form key={provider.id} action={signInWithProvider}>
                    <input type="hidden" name="provider" value={provider.id} />
                    <input type="hidden" name="callbackUrl" value={callbackUrl} />
                    <button
                      type="submit"
                      className="w-full rounded-md border border-slate-300 px-3 py-2 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800"
                    >
                      Continue with {PROVIDER_LABELS[provider.id]}
                    </button>
                  </form>
                ))}
              </div>
            )}
          </>
        )}
      </div>
    </main>
  );
}
