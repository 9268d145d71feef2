import { notFound } from 'next/navigation';
import { requirePageAgent } from '@/lib/runtime/auth';

export const dynamic = 'force-dynamic';

/**
 * Any other /admin URL: anonymous visitors are sent to sign-in like everywhere else in the console,
 * so not even the existence of a page is disclosed; agents get the 404.
 */
export default async function MissingAdminPage({ params }: { params: Promise<{ missing: string[] }> }) {
  const { missing } = await params;
  await requirePageAgent(`/admin/${missing.map(encodeURIComponent).join('/')}`);
  notFound();
}
