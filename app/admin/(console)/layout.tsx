import type { ReactNode } from 'react';
import { AdminShell } from '@/components/admin/AdminShell';
import { waitingCount } from '@/lib/admin/inbox';
import { errorFields, log } from '@/lib/observability/log';
import { toReviewCount } from '@/lib/review/queue';
import { getRuntime } from '@/lib/runtime';
import { currentPageAgent } from '@/lib/runtime/auth';

export const dynamic = 'force-dynamic';

/**
 * The console frame. Access is checked by every page itself (a layout is not re-run on each
 * navigation), which also lets the page send an anonymous visitor to sign-in with its own URL to
 * come back to; without an agent the frame renders nothing around the page.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const agent = await currentPageAgent();
  if (!agent) return children;
  return (
    <AdminShell agent={agent} waiting={await waitingNow()} toReview={await toReviewNow()}>
      {children}
    </AdminShell>
  );
}

/** The number beside "Inbox"; unknown (no number) rather than a broken frame when the database is away. */
async function waitingNow(): Promise<number | null> {
  try {
    return await waitingCount((await getRuntime().database()).db);
  } catch (error) {
    log.warn('admin console: waiting count unavailable', errorFields(error));
    return null;
  }
}

/** The number beside "Review"; likewise unknown when the database is away. */
async function toReviewNow(): Promise<number | null> {
  try {
    return await toReviewCount((await getRuntime().database()).db);
  } catch (error) {
    log.warn('admin console: review count unavailable', errorFields(error));
    return null;
  }
}
