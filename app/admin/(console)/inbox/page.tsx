import type { Metadata } from 'next';
import { Badge } from '@/components/admin/Badge';
import { TakeOverButton } from '@/components/admin/HandoffControls';
import { LiveUpdates } from '@/components/admin/LiveUpdates';
import { WaitTime } from '@/components/admin/WaitTime';
import { plural } from '@/components/admin/format';
import { waitingReason } from '@/components/admin/handoff-words';
import { type InboxItem, inboxVersion, loadInbox } from '@/lib/admin/inbox';
import { requirePageAgent } from '@/lib/runtime/auth';
import { getRuntime } from '@/lib/runtime';

export const metadata: Metadata = { title: 'Inbox' };
export const dynamic = 'force-dynamic';

/**
 * A waiting customer should be seen within 2 s of asking: the audit row lands ~50 ms after a quiet
 * moment's change, so a 1 s poll (a 304 of three index probes when nothing moved) keeps within it.
 */
const LIVE_INTERVAL_MS = 1000;

function LastText({ text }: { text: string | null }) {
  if (!text) return <p className="text-slate-600 italic dark:text-slate-400">No message yet.</p>;
  return (
    <p className="line-clamp-2 break-words whitespace-pre-wrap">
      <span className="text-slate-600 dark:text-slate-400">Last message: </span>
      {text}
    </p>
  );
}

function Item({ item, renderedAt, waiting }: { item: InboxItem; renderedAt: number; waiting: boolean }) {
  return (
    <li
      data-ref={item.ref}
      aria-label={`Conversation ${item.ref}`}
      className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:flex-row sm:items-start sm:justify-between dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="min-w-0 flex-1 space-y-1">
        <div className="flex flex-wrap items-center gap-2">
          <a href={`/admin/sessions/${item.ref}`} className="font-mono text-xs break-all text-blue-700 hover:underline dark:text-blue-400">
            {item.ref}
          </a>
          <Badge tone={waiting ? 'warn' : 'info'}>
            {item.since ? <WaitTime since={item.since} renderedAt={renderedAt} verb={waiting ? 'waiting' : 'yours for'} /> : waiting ? 'waiting' : 'yours'}
          </Badge>
        </div>
        {waiting && <p className="font-medium">{waitingReason(item.reason, item.detail)}</p>}
        <LastText text={item.lastCustomerText} />
      </div>
      {waiting ? (
        <TakeOverButton sessionRef={item.ref} />
      ) : (
        <a
          href={`/admin/sessions/${item.ref}`}
          className="self-start rounded-md border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
        >
          Open
        </a>
      )}
    </li>
  );
}

/**
 * Conversations waiting for a person, oldest first, and the ones the signed-in agent answers. Live:
 * polls the inbox's version and re-renders when a conversation arrives, is taken, or someone writes.
 */
export default async function InboxPage() {
  const agent = await requirePageAgent('/admin/inbox');
  const runtime = getRuntime();
  const db = (await runtime.database()).db;
  // Read before the lists: a change landing in between makes the first poll reload the page.
  const version = await inboxVersion(db);
  const [inbox, online] = await Promise.all([loadInbox(db, agent.id), runtime.presence.agentsOnline()]);
  const refs = [...inbox.waiting, ...inbox.mine].map((item) => item.ref);
  if (refs.length > 0) {
    // The inbox shows customers' last messages: who saw which previews is part of the access record
    // (as the sessions list records it; at most once a minute).
    await runtime.accessLogThrottle.log(db, agent, 'search', { detail: { q: null, view: 'inbox', results: refs.length, sessions: refs } }, `inbox ${refs.join(' ')}`);
  }
  const renderedAt = Date.now();

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold">Inbox</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400" data-agents-online={online}>
            {plural(online, 'agent')} online · {plural(inbox.waiting.length, 'conversation')} waiting
          </p>
        </div>
        <LiveUpdates url="/api/admin/inbox/live" what="conversations waiting" intervalMs={LIVE_INTERVAL_MS} version={version} />
      </div>

      <section aria-labelledby="waiting-title" className="space-y-2">
        <h2 id="waiting-title" className="font-semibold">
          Waiting for a person <span className="font-normal text-slate-600 dark:text-slate-400">(oldest first)</span>
        </h2>
        {inbox.waiting.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">Nobody is waiting.</p>
        ) : (
          <ol aria-labelledby="waiting-title" className="space-y-2">
            {inbox.waiting.map((item) => (
              <Item key={item.ref} item={item} renderedAt={renderedAt} waiting />
            ))}
          </ol>
        )}
      </section>

      <section aria-labelledby="mine-title" className="space-y-2">
        <h2 id="mine-title" className="font-semibold">
          Mine
        </h2>
        {inbox.mine.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">You are not answering any conversation.</p>
        ) : (
          <ul aria-labelledby="mine-title" className="space-y-2">
            {inbox.mine.map((item) => (
              <Item key={item.ref} item={item} renderedAt={renderedAt} waiting={false} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
