import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SetupForm } from '@/components/admin/SetupForm';
import { PASSWORD_MIN_LENGTH } from '@/lib/auth/password';
import { signInUrl } from '@/lib/auth/redirect';
import { setupIsOpen } from '@/lib/auth/setup';
import { getRuntime } from '@/lib/runtime';

export const metadata: Metadata = { title: 'First-run setup' };
export const dynamic = 'force-dynamic';

/** Open only while no agent exists; afterwards it is just another /admin URL that needs a sign-in. */
export default async function SetupPage() {
  const runtime = getRuntime();
  if (!runtime.config.authSecret || !(await setupIsOpen(runtime))) redirect(signInUrl('/admin'));
  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <div className="w-full max-w-md rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-lg font-semibold">Create the first admin</h1>
        <SetupForm minPasswordLength={PASSWORD_MIN_LENGTH} />
      </div>
    </main>
  );
}
