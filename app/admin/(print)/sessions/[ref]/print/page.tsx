import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Conversation, NoteList } from '@/components/admin/Conversation';
import { LocalTime } from '@/components/admin/LocalTime';
import { PrintButton } from '@/components/admin/PrintButton';
import { logAccess } from '@/lib/auth/access-log';
import { firstValues } from '@/lib/admin/filters';
import { sessionIdForRef } from '@/lib/admin/session-lookup';
import { getTranscript } from '@/lib/admin/transcript';
import { pathWithQuery } from '@/lib/auth/page-guard';
import { requirePageAgent } from '@/lib/runtime/auth';
import { getRuntime } from '@/lib/runtime';
import { plural } from '@/components/admin/format';

export const metadata: Metadata = { title: 'Print transcript' };
export const dynamic = 'force-dynamic';

type SearchParams = Record<string, string | string[] | undefined>;

/** A transcript on paper: no console frame, no buttons; internal notes only with ?notes=1. */
export default async function PrintPage({ params, searchParams }: { params: Promise<{ ref: string }>; searchParams: Promise<SearchParams> }) {
  const { ref } = await params;
  const raw = await searchParams;
  const agent = await requirePageAgent(pathWithQuery(`/admin/sessions/${encodeURIComponent(ref)}/print`, raw));
  const withNotes = firstValues(raw).notes === '1';
  const db = (await getRuntime().database()).db;
  const sessionId = await sessionIdForRef(db, ref);
  const transcript = sessionId ? await getTranscript(db, sessionId) : null;
  if (!transcript) notFound();
  await logAccess(db, agent, 'print_session', { sessionId: transcript.session.id, detail: { notes: withNotes } });
  const { session, entries, flags, notes } = transcript;

  return (
    <main className="mx-auto max-w-3xl bg-white p-6 text-slate-900 print:p-0 dark:bg-slate-950 dark:text-slate-100 print:dark:bg-white print:dark:text-black">
      <header className="mb-6 flex items-start justify-between gap-4 border-b border-slate-300 pb-4">
        <div>
          <h1 className="text-xl font-semibold">Support conversation</h1>
          <p className="font-mono text-xs break-all">{transcript.ref}</p>
          <p className="mt-1 text-sm">
            <LocalTime value={session.createdAt} /> – <LocalTime value={session.lastActivityAt} /> · {plural(session.turnCount, 'turn')}
          </p>
          <p className="mt-1 text-xs text-slate-600 dark:text-slate-400 print:text-slate-600">
            Printed by {agent.email}, <LocalTime value={new Date()} />
            {withNotes ? ' · includes internal notes' : ''}
          </p>
        </div>
        <PrintButton />
      </header>
      {withNotes && notes.some((note) => note.auditId === null) && (
        <section aria-labelledby="session-notes" className="mb-6 break-inside-avoid space-y-2">
          <h2 id="session-notes" className="text-sm font-semibold">
            Notes on the conversation
          </h2>
          <NoteList notes={notes.filter((note) => note.auditId === null)} />
        </section>
      )}
      <Conversation
        sessionRef={transcript.ref}
        entries={entries}
        flags={flags}
        notes={withNotes ? notes : []}
        terms={[]}
        interactive={false}
      />
    </main>
  );
}
