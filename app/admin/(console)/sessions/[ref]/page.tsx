import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/admin/Badge';
import { Conversation, FlagList, NoteList } from '@/components/admin/Conversation';
import { DeleteSessionButton } from '@/components/admin/DeleteSessionButton';
import { CustomerIdentityCard } from '@/components/admin/CustomerIdentityCard';
import { ExportMenu } from '@/components/admin/ExportMenu';
import { HandoffControls } from '@/components/admin/HandoffControls';
import { stateLabel, stateTone } from '@/components/admin/handoff-words';
import { LocalTime } from '@/components/admin/LocalTime';
import { LiveUpdates } from '@/components/admin/LiveUpdates';
import { ReviewActions } from '@/components/admin/ReviewForms';
import { ReviewBar } from '@/components/admin/review/ReviewBar';
import { firstValues } from '@/lib/admin/filters';
import { queryTerms } from '@/lib/admin/highlight';
import { transcriptVersion } from '@/lib/admin/live';
import { sessionIdForRef } from '@/lib/admin/session-lookup';
import { openTranscript, TRANSCRIPT_MAX_TURNS } from '@/lib/admin/transcript';
import { pathWithQuery } from '@/lib/auth/page-guard';
import { requirePageAgent } from '@/lib/runtime/auth';
import { getRuntime } from '@/lib/runtime';
import { reviewBarFor } from '@/lib/review/queue';
import { plural } from '@/components/admin/format';
import { ConversationScores, replyReviewSlots } from '@/components/admin/review/ReviewSlots';
import { readConversationReview } from '@/lib/review/conversation-review';

export const metadata: Metadata = { title: 'Transcript' };
export const dynamic = 'force-dynamic';

type SearchParams = Record<string, string | string[] | undefined>;

export default async function TranscriptPage({
  params,
  searchParams,
}: {
  params: Promise<{ ref: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { ref } = await params;
  const raw = await searchParams;
  // The URL names the conversation by its reference, never its id (the customer's key).
  const agent = await requirePageAgent(pathWithQuery(`/admin/sessions/${encodeURIComponent(ref)}`, raw));
  const q = firstValues(raw).q?.trim().slice(0, 200) || undefined;
  const db = (await getRuntime().database()).db;
  const sessionId = await sessionIdForRef(db, ref);
  // Read before the transcript: a change landing in between makes the first poll reload the page.
  const version = sessionId ? await transcriptVersion(db, sessionId) : null;
  const transcript = sessionId ? await openTranscript(db, agent, sessionId, q) : null;
  if (!transcript) notFound();

  const { session, turns, entries, flags, notes } = transcript;
  const queueItem = await reviewBarFor(db, agent.id, transcript.ref);
  const sessionFlags = flags.filter((flag) => flag.auditId === null);
  const sessionNotes = notes.filter((note) => note.auditId === null);
  const base = `/admin/sessions/${transcript.ref}`;
  const matched = turns.filter((turn) => turn.matched).length;
  // Scores and corrections apply to replies the assistant actually gave (a turn with its text).
  const replies = turns.flatMap((turn) => (turn.assistantText ? [{ auditId: turn.auditId, seq: turn.seq, assistantText: turn.assistantText }] : []));
  const review = await readConversationReview(db, session.id, replies.map((reply) => reply.auditId));

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
      <div className="min-w-0 space-y-4">
        <div>
          <div className="flex flex-wrap items-center justify-between gap-2">
            <a href={q ? `/admin/sessions?${new URLSearchParams({ q })}` : '/admin/sessions'} className="text-sm text-blue-700 hover:underline dark:text-blue-400">
              ← Sessions
            </a>
            <LiveUpdates
              url={`/api/admin/sessions/${transcript.ref}/live`}
              what="new messages"
              version={version}
              // With a person in the conversation the customer's words should reach them as in a chat.
              intervalMs={session.state === 'waiting' || session.state === 'agent' ? 1000 : undefined}
            />
          </div>
          <div className="mt-1 flex flex-wrap items-center gap-2">
            <h1 className="text-xl font-semibold">Transcript</h1>
            {/* Who answers, at the top of a long transcript too (the controls are under it). */}
            <Badge tone={stateTone(session.state)}>
              {session.state === 'agent' && session.stateOwnerId === agent.id ? 'You answer' : stateLabel(session.state, session.stateOwnerName)}
            </Badge>
          </div>
          <p className="font-mono text-xs break-all text-slate-600 select-all dark:text-slate-400">{transcript.ref}</p>
          <CustomerIdentityCard customer={transcript.identity} />
        </div>
        <ReviewBar sessionRef={transcript.ref} data={queueItem} isAdmin={agent.role === 'admin'} />
        {q && (
          <p className="rounded-md bg-yellow-50 px-3 py-2 text-sm text-yellow-900 dark:bg-yellow-950/40 dark:text-yellow-100">
            {matched} of {plural(turns.length, 'turn')} {matched === 1 ? 'matches' : 'match'} <q className="font-medium">{q}</q>; matches are marked.
          </p>
        )}
        {transcript.truncated && (
          <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950/40 dark:text-amber-100">
            Showing the first {TRANSCRIPT_MAX_TURNS} turns. Export the session for all of them.
          </p>
        )}
        <Conversation sessionRef={transcript.ref} entries={entries} flags={flags} notes={notes} terms={q ? queryTerms(q) : []} interactive replyExtras={replyReviewSlots(review, replies, transcript.ref, agent.id)} />
        {/* Under the conversation, like a chat's composer: where the agent reads the latest message. */}
        <HandoffControls
          sessionRef={transcript.ref}
          view={{
            state: session.state,
            ownerName: session.stateOwnerName,
            mine: session.state === 'agent' && session.stateOwnerId === agent.id,
          }}
          version={session.stateVersion}
          agentMessages={transcript.events.filter((event) => event.kind === 'agent_message').length}
          isAdmin={agent.role === 'admin'}
        />
      </div>

      <aside className="space-y-4 lg:sticky lg:top-20 lg:self-start">
        <section aria-labelledby="session-facts" className="rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900">
          <h2 id="session-facts" className="mb-2 font-semibold">
            Session
          </h2>
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
            <dt className="text-slate-600 dark:text-slate-400">Started</dt>
            <dd>
              <LocalTime value={session.createdAt} />
            </dd>
            <dt className="text-slate-600 dark:text-slate-400">Last activity</dt>
            <dd>
              <LocalTime value={session.lastActivityAt} />
            </dd>
            <dt className="text-slate-600 dark:text-slate-400">Turns</dt>
            <dd>{session.turnCount}</dd>
            <dt className="text-slate-600 dark:text-slate-400">Fallbacks</dt>
            <dd>{session.memoryFallbacks > 0 ? <Badge tone="warn">{session.memoryFallbacks}</Badge> : 0}</dd>
            <dt className="text-slate-600 dark:text-slate-400">Errors</dt>
            <dd>{session.errorCount > 0 ? <Badge tone="bad">{session.errorCount}</Badge> : 0}</dd>
            <dt className="text-slate-600 dark:text-slate-400">Page</dt>
            <dd className="truncate" title={session.origin ?? undefined}>
              {session.origin ?? '—'}
            </dd>
            <dt className="text-slate-600 dark:text-slate-400">Browser</dt>
            <dd className="truncate" title={session.userAgent ?? undefined}>
              {session.userAgent ?? '—'}
            </dd>
          </dl>
        </section>

        <ConversationScores review={review} sessionRef={transcript.ref} selfId={agent.id} />

        <section aria-labelledby="review" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <h2 id="review" className="text-sm font-semibold">
            Review
          </h2>
          <FlagList flags={sessionFlags} interactive />
          <NoteList notes={sessionNotes} />
          <ReviewActions sessionRef={transcript.ref} auditId={null} subject="session" />
        </section>

        <section aria-labelledby="share" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <h2 id="share" className="text-sm font-semibold">
            Export and print
          </h2>
          <ExportMenu basePath={`/api/admin/sessions/${transcript.ref}/export`} query="" label="Download" />
          <div className="flex flex-wrap gap-2 text-sm">
            <a href={`${base}/print`} className="text-blue-700 hover:underline dark:text-blue-400">
              Print view
            </a>
            <a href={`${base}/print?notes=1`} className="text-blue-700 hover:underline dark:text-blue-400">
              Print view with notes
            </a>
          </div>
        </section>

        {agent.role === 'admin' && (
          <section aria-labelledby="danger" className="rounded-lg border border-red-200 bg-white p-4 dark:border-red-900 dark:bg-slate-900">
            <h2 id="danger" className="mb-2 text-sm font-semibold">
              Delete
            </h2>
            <DeleteSessionButton sessionRef={transcript.ref} turns={session.turnCount} />
          </section>
        )}
      </aside>
    </div>
  );
}
