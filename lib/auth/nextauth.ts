import 'server-only';
import { CredentialsSignin, type NextAuthConfig } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import GitHub from 'next-auth/providers/github';
import Google from 'next-auth/providers/google';
import type { Provider } from 'next-auth/providers';
import { logAccess } from '@/lib/auth/access-log';
import { findActiveAgent, findAgentByEmail } from '@/lib/auth/agents';
import { endAdminSession, startAdminSession } from '@/lib/auth/admin-sessions';
import { checkCredentials, type CredentialsDeps } from '@/lib/auth/credentials';
import { resolveProviderAgent } from '@/lib/auth/oauth';
import { safeAdminRedirect, SIGN_IN_PATH } from '@/lib/auth/redirect';
import { SESSION_MAX_AGE_SECONDS } from '@/lib/auth/session';
import type { OAuthProviderConfig } from '@/lib/config';
import { errorFields, log } from '@/lib/observability/log';

/**
 * Auth.js for /admin: the Credentials provider (agents table, Argon2id) plus whichever OAuth/OIDC
 * providers the environment enables. Sessions are encrypted JWT cookies holding only the agent id;
 * every check re-reads the agent, so a role change or a disable applies at the next request.
 */

class RateLimitedSignIn extends CredentialsSignin {
  override code = 'rate_limited';
}

function oauthProvider(provider: OAuthProviderConfig): Provider {
  switch (provider.id) {
    case 'github':
      return GitHub({ clientId: provider.clientId, clientSecret: provider.clientSecret });
    case 'google':
      return Google({ clientId: provider.clientId, clientSecret: provider.clientSecret });
    case 'oidc':
      return {
        id: 'oidc',
        name: 'Single sign-on',
        type: 'oidc',
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
      };
  }
}

/** Auth.js's configuration over these dependencies (bound to the process's runtime in lib/runtime/auth.ts). */
export function authConfig(deps: CredentialsDeps): NextAuthConfig {
  const { config } = deps;
  const database = async () => (await deps.database()).db;
  return {
    secret: config.authSecret,
    // Self-hosted behind any proxy: the request's own host is the public one.
    trustHost: true,
    basePath: '/api/auth',
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
    providers: [
      Credentials({
        id: 'credentials',
        credentials: { email: { type: 'email' }, password: { type: 'password' } },
        async authorize(credentials, request) {
          const outcome = await checkCredentials(deps, credentials, request);
          if (outcome.kind === 'rate_limited') throw new RateLimitedSignIn();
          return outcome.kind === 'ok' ? { id: outcome.agent.id, email: outcome.agent.email } : null;
        },
      }),
      ...config.admin.oauth.map(oauthProvider),
    ],
    callbacks: {
      async signIn({ user, account, profile }) {
        if (!account || account.provider === 'credentials') return true;
        const verified = profile?.email_verified;
        const agent = await resolveProviderAgent(deps, {
          provider: account.provider,
          email: user.email,
          emailVerified: typeof verified === 'boolean' ? verified : undefined,
          name: user.name,
        });
        return agent !== null;
      },
      async jwt({ token, user, account }) {
        if (!account) return token;
        // The token carries the agent id and its server-side session id, nothing else worth stealing.
        const db = await database();
        let agentId: string | undefined;
        if (account.provider === 'credentials') agentId = user.id;
        else {
          const agent = user.email ? await findAgentByEmail(db, user.email) : undefined;
          agentId = agent && !agent.disabledAt ? agent.id : undefined;
        }
        if (!agentId) return null;
        return { sub: agentId, sid: await startAdminSession(db, agentId) };
      },
      redirect: ({ url, baseUrl }) => safeAdminRedirect(url, baseUrl),
    },
    events: {
      async signOut(message) {
        const token = 'token' in message ? message.token : null;
        const agentId = token?.sub;
        if (!agentId) return;
        const db = await database();
        // The cookie is deleted in this browser; the row makes any copy of it worthless too.
        if (typeof token.sid === 'string') await endAdminSession(db, token.sid);
        const agent = await findActiveAgent(db, agentId);
        if (agent) await logAccess(db, agent, 'sign_out');
      },
    },
    logger: {
      error(error) {
        // A wrong password or a refused account is an outcome, already in the access log, not a
        // server error. (`type`, not `name`: class names do not survive the production build.)
        const type = 'type' in error ? error.type : undefined;
        if (type === 'CredentialsSignin' || type === 'AccessDenied') return;
        log.error('auth error', errorFields(error));
      },
      warn(code) {
        log.warn('auth warning', { code });
      },
    },
  };
}
