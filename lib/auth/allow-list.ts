import type { Config } from '@/lib/config';

/**
 * Whether an e-mail verified by an OAuth/OIDC provider may get an agent account on first sign-in:
 * listed in ADMIN_ALLOWED_EMAILS, or at ADMIN_ALLOWED_DOMAIN exactly (sub-domains are other
 * organisations). With neither set, only agents an admin created can sign in through a provider.
 */
export function isAllowedEmail(email: string, admin: Pick<Config['admin'], 'allowedEmails' | 'allowedDomain'>): boolean {
  const normalized = email.trim().toLowerCase();
  if (admin.allowedEmails.includes(normalized)) return true;
  const at = normalized.lastIndexOf('@');
  return admin.allowedDomain !== undefined && at > 0 && normalized.slice(at + 1) === admin.allowedDomain;
}
