import type { ReactNode } from 'react';
import { AdminShell } from '@/components/admin/AdminShell';
import { currentPageAgent } from '@/lib/runtime/auth';

export const dynamic = 'force-dynamic';

/**
 * The console frame. Access is checked by every page itself (a layout is not re-run on each
 * navigation), which also lets the page send an anonymous visitor to sign-in with its own URL to
 * come back to; without an agent the frame renders nothing around the page.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const agent = await currentPageAgent();
  return agent ? <AdminShell agent={agent}>{children}</AdminShell> : children;
}
