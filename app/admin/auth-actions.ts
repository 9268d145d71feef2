'use server';

import { AuthError, CredentialsSignin } from 'next-auth';
import { z } from 'zod';
import { logAccess } from '@/lib/auth/access-log';
import { revokeAgentSessions } from '@/lib/auth/admin-sessions';
import { currentPageAgent, signIn, signOut } from '@/lib/runtime/auth';
import { getRuntime } from '@/lib/runtime';
import { SIGN_IN_PATH } from '@/lib/auth/redirect';
import { getConfig } from '@/lib/config';

/**
 * Server actions of the sign-in page and the console header. Next checks each action's Origin
 * against the host (its CSRF defence for actions); Auth.js then runs the Credentials check, whose
 * rate limit and password verification live in lib/auth/credentials.ts.
 */

export interface SignInState {
  error: string | null;
  email: string;
}

const returnToSchema = z
  .string()
  .regex(/^\/admin(\/|\?|$)/)
  .catch('/admin');

export async function signInWithPassword(_previous: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get('email') ?? '').slice(0, 254);
  try {
    await signIn('credentials', {
      email,
      password: String(form.get('password') ?? ''),
      redirectTo: returnToSchema.parse(form.get('callbackUrl')),
    });
  } catch (error) {
    if (error instanceof CredentialsSignin) {
      return {
        email,
        error:
          error.code === 'rate_limited'
            ? 'Too many sign-in attempts. Wait a few minutes and try again.'
            : 'That e-mail and password do not match an agent account.',
      };
    }
    if (error instanceof AuthError) return { email, error: 'Sign-in failed. Try again, or ask an admin.' };
    // Success arrives as Next's redirect, which is thrown and must travel on.
    throw error;
  }
  return { email, error: null };
}

const providerSchema = z.enum(['github', 'google', 'oidc']);

export async function signInWithProvider(form: FormData): Promise<void> {
  const provider = providerSchema.parse(form.get('provider'));
  if (!getConfig().admin.oauth.some((p) => p.id === provider)) throw new Error('provider not enabled');
  await signIn(provider, { redirectTo: returnToSchema.parse(form.get('callbackUrl')) });
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: SIGN_IN_PATH });
}

/** Ends every session of the signed-in agent (a lost laptop, a shared computer), this one included. */
export async function signOutEverywhereAction(): Promise<void> {
  const agent = await currentPageAgent();
  if (agent) {
    const db = (await getRuntime().database()).db;
    const sessions = await revokeAgentSessions(db, agent.id);
    await logAccess(db, agent, 'sign_out_everywhere', { detail: { sessions } });
  }
  await signOut({ redirectTo: SIGN_IN_PATH });
}
