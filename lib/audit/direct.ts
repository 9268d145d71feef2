import type { DeadLetters } from '@/lib/audit/dead-letters';
import type { FileAuditOutbox } from '@/lib/audit/outbox';
import type { AuditSink } from '@/lib/audit/sink';
import { streamFields, withSessionReference, type AuditEntry } from '@/lib/audit/types';
import { withTimeout } from '@/lib/timeout';
import { errorText } from '@/lib/errors';
import { log } from '@/lib/observability/log';

export interface DirectWriterOptions {
  /** A write slower than this goes to the outbox file (and is applied again, idempotently, later). */
  timeoutMs: number;
  /** After a failed write, entries go straight to the outbox for this long. */
  cooldownMs?: number;
}

/**
 * Writes one audit entry to Postgres now: the embedded default's path for every entry, and the
 * turn's path when the audit stream (Redis) is unreachable. Never throws and never loses an entry:
 * Postgres, else the outbox file (on disk before this returns), else the log as the last place.
 */
export class DirectAuditWriter {
  private databaseDownUntil = 0;

  constructor(
    private readonly sink: AuditSink,
    private readonly outbox: FileAuditOutbox,
    private readonly deadLetters: DeadLetters,
    private readonly options: DirectWriterOptions,
  ) {}

  async write(entry: AuditEntry): Promise<void> {
    if (Date.now() >= this.databaseDownUntil) {
      try {
        const report = await withTimeout(this.sink.apply([entry]), this.options.timeoutMs, 'audit write');
        if (report.rejected.length > 0) {
          await this.deadLetters.add(
            report.rejected.map((item) => ({ source: 'direct', reason: item.reason, payload: JSON.stringify(streamFields(item.entry)) })),
          );
        }
        return;
      } catch (error) {
        this.databaseDownUntil = Date.now() + (this.options.cooldownMs ?? 5000);
        log.warn('audit write deferred to the outbox file', { auditId: entry.record.auditId, error: errorText(error) });
      }
    }
    try {
      this.outbox.push(entry);
    } catch (error) {
      // The last place the entry exists: the whole entry goes to the log (session ids as references).
      log.error('AUDIT ENTRY NOT STORED', { error: errorText(error), entry: streamFields(withSessionReference(entry)) });
    }
  }
}
