'use client';

import { useState, type FormEvent } from 'react';
import { adminFetch } from './api-client';

const INPUT =
  'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-950';

/** First-run form: the setup token from the server log plus the first admin's account. */
export function SetupForm({ minPasswordLength }: { minPasswordLength: number }) {
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    if (form.get('password') !== form.get('confirm')) {
      setError('The two passwords differ.');
      return;
    }
    setPending(true);
    setError(null);
    try {
      const created = await adminFetch<{ email: string }>('/api/admin/setup', {
        method: 'POST',
        headers: { 'x-setup-token': String(form.get('token') ?? '') },
        body: { email: form.get('email'), name: form.get('name') || null, password: form.get('password') },
      });
      setDone(created.email);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setPending(false);
    }
  }

  if (done) {
    // The introduction ("nobody can sign in yet") is no longer true: only the outcome remains.
    return (
      <p role="status" className="mt-3 text-sm">
        Admin account <strong>{done}</strong> created: you can sign in with it now.{' '}
        <a className="font-medium text-blue-700 underline dark:text-blue-400" href="/admin/sign-in">
          Sign in
        </a>
      </p>
    );
  }
  return (
    <form onSubmit={submit} className="space-y-4">
      <p className="mt-1 mb-5 text-sm text-slate-600 dark:text-slate-400">
        Nobody can sign in yet. Enter the one-time setup token from the server log to create an admin account. The token stops
        working once the account exists.
      </p>
      <label className="block text-sm font-medium">
        Setup token <span className="font-normal text-slate-600 dark:text-slate-400">(printed in the server log)</span>
        <input name="token" required autoComplete="off" spellCheck={false} className={`${INPUT} font-mono`} />
      </label>
      <label className="block text-sm font-medium">
        E-mail
        <input name="email" type="email" required autoComplete="username" className={INPUT} />
      </label>
      <label className="block text-sm font-medium">
        Name <span className="font-normal text-slate-600 dark:text-slate-400">(optional)</span>
        <input name="name" maxLength={120} className={INPUT} />
      </label>
      <label className="block text-sm font-medium">
        Password <span className="font-normal text-slate-600 dark:text-slate-400">(at least {minPasswordLength} characters)</span>
        <input name="password" type="password" required minLength={minPasswordLength} autoComplete="new-password" className={INPUT} />
      </label>
      <label className="block text-sm font-medium">
        Password again
        <input name="confirm" type="password" required minLength={minPasswordLength} autoComplete="new-password" className={INPUT} />
      </label>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-200">
          {error}
        </p>
      )}
      <button type="submit" disabled={pending} className="w-full rounded-md bg-blue-600 px-3 py-2 text-sm font-semibold text-white hover:bg-blue-700 disabled:opacity-60">
        {pending ? 'Creating…' : 'Create admin account'}
      </button>
    </form>
  );
}
