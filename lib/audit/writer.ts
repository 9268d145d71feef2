import type { Database } from '@/lib/db/client';
import { applyTurnRecord } from '@/lib/audit/store';
import type { AuditOutbox } from '@/lib/audit/outbox';
import { redactMessages, redactText } from '@/lib/audit/redact';
import type { TurnRecord } from '@/lib/audit/types';

export interface AuditWriterOptions {
  /** Opens (once) the database; a rejection counts as "Postgres is down". */
  database: () => Promise<Database>;
  /** Tried in order when the database write fails: the first that accepts the record keeps it. */
  outboxes: AuditOutbox[];
  redact: 'off' | 'mask';
  /** A write slower than this goes to the outbox (and is applied again, idempotently, later). */
  writeTimeoutMs: number;
  /** How often a process checks a queue it did not fill itself. */
  drainIntervalMs?: number;
  /** After a failed write, records go straight to the outbox for this long (default 5 s). */
  cooldownMs?: number;
}

export interface DrainReport {
  applied: number;
  remaining: number;
}

/**
 * The durable audit write path. `record()` never throws and never loses a record: it writes to
 * Postgres, else to an outbox, else (both down) to the log as a last resort. Records of one audit
 * id are written in the order they were submitted.
 */
export class AuditWriter {
  private readonly chains = new Map<string, Promise<void>>();
  private outboxDirty = true;
  private nextDrainCheck = 0;
  private draining: Promise<DrainReport> | null = null;
  /** While Postgres is known to be down, writes skip it instead of queueing behind its reconnects. */
  private databaseDownUntil = 0;

  constructor(private readonly options: AuditWriterOptions) {}

  record(input: TurnRecord): Promise<void> {
    const record = this.options.redact === 'mask' ? redactRecord(input) : input;
    const previous = this.chains.get(record.auditId) ?? Promise.resolve();
    const next = previous.then(() => this.writeOrQueue(record));
    this.chains.set(record.auditId, next);
    void next.then(() => {
      if (this.chains.get(record.auditId) === next) this.chains.delete(record.auditId);
    });
    return next;
  }

  /** Writes queued records to Postgres. Safe to call often: it runs one drain at a time. */
  drain(limit = 500): Promise<DrainReport> {
    this.draining ??= this.drainAll(limit).finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  /** Drains only when something may be queued: cheap enough to call after every turn. */
  async drainIfDue(): Promise<void> {
    const now = Date.now();
    if (now < this.databaseDownUntil) return;
    if (!this.outboxDirty && now < this.nextDrainCheck) return;
    this.nextDrainCheck = now + (this.options.drainIntervalMs ?? 60_000);
    try {
      const report = await this.drain();
      this.outboxDirty = report.remaining > 0;
    } catch (error) {
      console.warn('[tether] audit drain postponed:', errorText(error));
    }
  }

  private async drainAll(limit: number): Promise<DrainReport> {
    // Only a database failure opens the breaker; an outbox that cannot be read says nothing about Postgres.
    const db = await this.options.database().catch((error: unknown) => {
      this.markDatabaseDown();
      throw error;
    });
    const apply = async (record: TurnRecord) => {
      try {
        await applyTurnRecord(db, record);
      } catch (error) {
        this.markDatabaseDown();
        throw error;
      }
    };
    let applied = 0;
    let remaining = 0;
    for (const outbox of this.options.outboxes) {
      try {
        const report = await outbox.drain(apply, limit);
        applied += report.applied;
        remaining += report.remaining;
      } catch (error) {
        if (Date.now() < this.databaseDownUntil) throw error;
        // One unreadable outbox (Redis down) must not keep the others from draining.
        console.warn(`[tether] audit outbox (${outbox.kind}) not drained:`, errorText(error));
        remaining += 1;
      }
    }
    this.databaseDownUntil = 0;
    return { applied, remaining };
  }

  private markDatabaseDown(): void {
    this.databaseDownUntil = Date.now() + (this.options.cooldownMs ?? 5000);
  }

  private async writeOrQueue(record: TurnRecord): Promise<void> {
    if (Date.now() >= this.databaseDownUntil) {
      try {
        const db = await this.options.database();
        await withTimeout(applyTurnRecord(db, record), this.options.writeTimeoutMs);
        return;
      } catch (error) {
        this.markDatabaseDown();
        console.warn(`[tether] audit write for ${record.auditId} deferred to the outbox:`, errorText(error));
      }
    }
    for (const outbox of this.options.outboxes) {
      try {
        await outbox.push(record);
        this.outboxDirty = true;
        return;
      } catch (error) {
        console.warn(`[tether] audit outbox (${outbox.kind}) refused ${record.auditId}:`, errorText(error));
      }
    }
    // Every store is down: the log is the last place the record can survive.
    console.error(`[tether] AUDIT RECORD NOT STORED ${JSON.stringify(record)}`);
  }
}

function redactRecord(record: TurnRecord): TurnRecord {
  return {
    ...record,
    userText: redactText(record.userText).text,
    assistantText: record.assistantText === null ? null : redactText(record.assistantText).text,
    promptMessages: redactMessages(record.promptMessages),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`audit write took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
