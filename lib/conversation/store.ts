import type { AuditEntry, EndEntry, TurnRecord } from '@/lib/audit/types';
import type { DurableFacts, DurableRecord } from '@/lib/conversation/durable';
import { classifyMemoryError } from '@/lib/conversation/errors';
import type { MemoryStatus } from '@/lib/conversation/status';
import {
  unavailable,
  type CommitResult,
  type ConversationBackend,
  type Exchange,
  type HeldState,
  type LeaseState,
  type LoadedMemory,
  type Replay,
  type Seed,
} from '@/lib/conversation/types';
import {
  type Actor,
  type AgentRef,
  type HandoffAction,
  INITIAL_STATE,
  mayWrite,
  type RefusalCode,
  type StateSnapshot,
  transition,
} from '@/lib/handoff/machine';
import { estimateTokens } from '@/lib/prompt/tokens';
import { errorFields, log } from '@/lib/observability/log';
import { withSpan } from '@/lib/observability/tracing';
import { sessionRef } from '@/lib/session-ref';
import type { RateRule } from '@/lib/rate-limit/window';

/**
 * Everything a conversation persists, behind one interface: its memory window, turn counter, lease
 * and stop requests (the backend: redis/ or local/), what the durable record knows when the backend
 * does not (lib/conversation/durable.ts), and the audit entry born with each change, written
 * directly to the audit database when the backend cannot take it. The turn (lib/chat/turn.ts) only
 * says what happened: `begin` a turn, `renew` its lease while the model streams, `finish` it.
 *
 * Whatever the backend does, a turn's final audit entry is written exactly once: by the backend in
 * the same atomic step as the memory change, or directly when the backend is unreachable.
 */

export interface ConversationStoreOptions {
  backend: ConversationBackend;
  /** Asked only when the backend cannot tell: expired or new, the next turn number, a resend's answer. */
  durable: DurableRecord;
  /** Writes an audit entry now, when the backend (and with it the audit stream) is unreachable. Never throws. */
  audit: { write(entry: AuditEntry): Promise<void> };
  /**
   * Told when a turn's final entry is on its way to the audit (the drainer drains soon, in batches);
   * `urgent` for a handoff change or an agent's message, which people are waiting to see.
   */
  onRecorded?: (urgent?: boolean) => void;
}

export interface TurnStart {
  sessionId: string;
  auditId: string;
  messageId: string | null;
  leaseMs: number;
  /** The turn's audit record as it begins (status `pending`). */
  pending: TurnRecord;
  /** How long to wait for a turn of the same conversation already running (default: not at all). */
  lockWaitMs?: number;
  /** Keeps work alive after the response is sent (a lease given back once the backend answers again). */
  defer?: (work: Promise<unknown>) => void;
  /** The request's chat limits, counted by the first begin (same round trip): 429 before anything else when over. */
  limits?: ReadonlyArray<readonly [RateRule, string]>;
}

/** A turn that may run: it holds the conversation (unless the backend was unreachable). */
export interface OpenTurn {
  readonly sessionId: string;
  readonly auditId: string;
  readonly memory: LoadedMemory;
  /** The turn's number; null when the backend was unreachable at the start. */
  readonly seq: number | null;
  /** Seed for the backend's turn counter, from the durable record, when the backend did not know it. */
  readonly seed: Seed | null;
  readonly leased: boolean;
  readonly defer: (work: Promise<unknown>) => void;
  /** Who answers the conversation (lib/handoff): the model only while it is the assistant's. */
  readonly state: StateSnapshot;
  /** When its agent last acted (state `agent`): a conversation left silent goes back to the queue. */
  readonly lastAgentAt: string | null;
}

export type Opening =
  /** Another turn of this conversation kept running for the whole wait. */
  | { kind: 'busy' }
  | { kind: 'rate_limited'; by: 'client' | 'conversation'; retryAfterMs: number }
  /** This message was answered before (same messageId): nothing was started; `status` for the meta event. */
  | { kind: 'replay'; replay: Replay; status: MemoryStatus }
  | { kind: 'begun'; turn: OpenTurn };

export type TurnEnding =
  /** The customer saw a reply (whole, or stopped after some text): remember the exchange. */
  | { kind: 'exchange'; exchange: Exchange; final: TurnRecord; now: Date }
  /** Nothing to remember (the model failed): only the final audit record. */
  | { kind: 'record'; final: TurnRecord };

export type Finished =
  | Extract<CommitResult, { kind: 'stored' | 'duplicate' }>
  /** `modelErrors`: the conversation's model errors since its last state change, when this turn was one. */
  | { kind: 'recorded'; modelErrors?: number }
  /** The audit record is written, but the exchange is not in memory (the next turn will not see it). */
  | { kind: 'not_remembered' };

export interface StateChange {
  sessionId: string;
  action: HandoffAction;
  actor: Actor;
  /** The model's own words when it escalated. */
  detail?: string | null;
  auditId: string;
  now: Date;
}

export type StateChangeOutcome =
  | { kind: 'changed'; state: StateSnapshot; eventSeq: number }
  /** It was so already: nothing was recorded. */
  | { kind: 'unchanged'; state: StateSnapshot }
  | { kind: 'refused'; code: RefusalCode; owner: AgentRef | null; state: StateSnapshot }
  /** Memory (or, for a conversation memory no longer knows, the audit database) could not be reached: nothing changed. */
  | { kind: 'unavailable'; errorClass: string };

export interface AgentMessage {
  sessionId: string;
  agent: Extract<Actor, { kind: 'agent' }>;
  text: string;
  auditId: string;
  now: Date;
}

export type AgentMessageOutcome =
  | { kind: 'sent'; eventSeq: number }
  | { kind: 'refused'; code: RefusalCode; owner: AgentRef | null; state: StateSnapshot }
  | { kind: 'unavailable'; errorClass: string };

/** Two changes deciding on the same version: the loser decides again on the winner's state, a few times at most. */
const STATE_CHANGE_ATTEMPTS = 5;

export class ConversationStore {
  constructor(private readonly options: ConversationStoreOptions) {}

  get kind(): ConversationBackend['kind'] {
    return this.options.backend.kind;
  }

  /**
   * Begins a turn: one round trip to the backend in the normal case. Waits a bounded time for a turn
   * already in progress; answers a resend with the stored reply; asks the durable record only when
   * the backend cannot tell who the customer is (it lost the conversation's counter, or is down).
   */
  async begin(start: TurnStart): Promise<Opening> {
    const { backend, durable } = this.options;
    const defer = start.defer ?? (() => undefined);
    const deadline = Date.now() + (start.lockWaitMs ?? 0);
    let seed: Seed | null = null;
    let lookupFailure: string | null = null;
    let attempt = 0;
    for (;;) {
      const begun = await withSpan(
        'tether.memory.load',
        { 'tether.attempt': attempt, 'tether.seeded': seed !== null },
        async (span) => {
          const result = await backend.begin({
            sessionId: start.sessionId,
            auditId: start.auditId,
            leaseMs: start.leaseMs,
            messageId: start.messageId,
            pending: start.pending,
            seed,
            // Counted once per request: a wait for a busy conversation or a seeded retry does not count again.
            limits: attempt === 0 && seed === null ? start.limits : undefined,
          });
          span.setAttribute('tether.memory.result', result.kind);
          if (result.kind === 'begun') {
            span.setAttributes({
              'tether.memory.status': result.memory.status,
              'tether.memory.messages': result.memory.messages.length,
            });
          }
          return result;
        },
      );
      switch (begun.kind) {
        case 'replay':
          return { kind: 'replay', replay: begun.replay, status: 'ok' };
        case 'rate_limited':
          return begun;
        case 'busy':
          if (Date.now() >= deadline) return begun;
          attempt += 1;
          await sleep(Math.min(50 * 2 ** Math.min(attempt, 4), 400) * (0.5 + Math.random() / 2));
          continue;
        case 'unseeded': {
          if (seed) throw new Error('memory asked for a seed it was given');
          const facts = await lookup(durable, start.sessionId, start.messageId);
          if (facts.ok && facts.facts.replay) return { kind: 'replay', replay: facts.facts.replay, status: 'expired' };
          // Without the durable record we cannot tell new from lost: say so rather than pretend "new".
          if (!facts.ok) lookupFailure = facts.errorClass;
          seed = facts.ok ? facts.facts.seed : { seq: 0, kept: 0 };
          continue;
        }
        case 'unavailable': {
          const facts = await lookup(durable, start.sessionId, start.messageId);
          if (facts.ok && facts.facts.replay)
            return { kind: 'replay', replay: facts.facts.replay, status: 'unavailable' };
          const turn: OpenTurn = {
            sessionId: start.sessionId,
            auditId: start.auditId,
            memory: unavailable(begun.errorClass),
            seq: null,
            seed: facts.ok ? facts.facts.seed : null,
            leased: false,
            defer,
            // Memory is down: the audit's last known state, else the assistant's.
            state: (facts.ok ? facts.facts.state?.snapshot : undefined) ?? INITIAL_STATE,
            lastAgentAt: null,
          };
          return { kind: 'begun', turn };
        }
        case 'begun': {
          const memory =
            lookupFailure && begun.memory.status === 'new'
              ? unavailable(`durable_lookup:${lookupFailure}`)
              : begun.memory;
          const turn: OpenTurn = {
            sessionId: start.sessionId,
            auditId: start.auditId,
            memory,
            seq: begun.seq,
            seed,
            leased: true,
            defer,
            state: begun.state,
            lastAgentAt: begun.lastAgentAt ?? null,
          };
          return { kind: 'begun', turn };
        }
      }
    }
  }

  /** Ends a turn: stores its exchange with its final record, or records how it ended; releases the lease. */
  finish(turn: OpenTurn, ending: TurnEnding): Promise<Finished> {
    if (ending.kind === 'record') {
      return this.recordOnly(turn, { kind: 'final', seq: turn.seq, record: ending.final }).then((modelErrors) => ({
        kind: 'recorded' as const,
        ...(modelErrors ? { modelErrors } : {}),
      }));
    }
    return withSpan('tether.memory.append', {}, async (span) => {
      const result = await this.commitExchange(turn, ending.exchange, ending.final, ending.now);
      span.setAttribute('tether.memory.result', result.kind);
      return result;
    });
  }

  /** Keeps the lease of a running turn; says whether the customer asked to stop it. */
  renew(sessionId: string, auditId: string, leaseMs: number): Promise<LeaseState> {
    return this.options.backend.renew(sessionId, auditId, leaseMs);
  }

  /** Asks the instance running this turn to stop it (read there when it renews its lease). */
  requestStop(sessionId: string, auditId: string): Promise<void> {
    return this.options.backend.requestStop(sessionId, auditId);
  }

  /** The conversation without touching it (a reload, the summary job). Never throws. */
  read(sessionId: string): Promise<LoadedMemory> {
    return this.options.backend.read(sessionId);
  }

  /** Marks a freshly issued session as known and empty, so its first turn needs no durable lookup. */
  register(sessionId: string): Promise<void> {
    return this.options.backend.register(sessionId);
  }

  saveSummary(sessionId: string, summary: string): Promise<void> {
    return this.options.backend.saveSummary(sessionId, summary);
  }

  /** Forgets the conversation's memory entirely (admin delete). */
  remove(sessionId: string): Promise<void> {
    return this.options.backend.remove(sessionId);
  }

  /**
   * Changes who answers the conversation (lib/handoff/machine.ts decides whether it may), atomically
   * with the audit entry that records who did it and why: of two agents taking over at once, one
   * wins and the other is refused with the winner's name. Nothing is changed when memory is down:
   * the caller says so, rather than leave the customer believing a person was asked.
   */
  async changeState(change: StateChange): Promise<StateChangeOutcome> {
    const { backend, durable } = this.options;
    try {
      for (let attempt = 0; attempt < STATE_CHANGE_ATTEMPTS; attempt++) {
        const read = await backend.readState(change.sessionId);
        let seed: Parameters<ConversationBackend['changeState']>[0]['seed'] = null;
        let current = read.kind === 'read' ? read.state : { eventSeq: 0, snapshot: INITIAL_STATE };
        if (read.kind === 'unseeded') {
          // Memory lost this conversation's counter: the audit knows its turn number and last state.
          const facts = await durable.lookup(change.sessionId, null);
          current = facts.state ?? current;
          seed = { ...facts.seed, state: current };
        }
        const decided = transition(current.snapshot, change.action, change.actor, change.now);
        if (decided.kind === 'unchanged') return { kind: 'unchanged', state: current.snapshot };
        if (decided.kind === 'refused') return { ...decided, state: current.snapshot };
        const { actor } = change;
        const result = await backend.changeState({
          sessionId: change.sessionId,
          expectedEventSeq: current.eventSeq,
          next: decided.next,
          seed,
          entry: {
            auditId: change.auditId,
            sessionId: change.sessionId,
            state: decided.next.state,
            previous: current.snapshot.state,
            reason: decided.next.reason ?? 'customer_asked',
            detail: change.detail ?? null,
            actor: {
              kind: actor.kind,
              agentId: actor.kind === 'agent' ? actor.id : null,
              name: actor.kind === 'agent' ? actor.name : null,
            },
            owner: decided.next.owner,
            at: change.now.toISOString(),
          },
        });
        if (result.kind === 'changed') {
          this.options.onRecorded?.(true);
          return { kind: 'changed', state: decided.next, eventSeq: result.eventSeq };
        }
      }
      throw new Error('the conversation kept changing while this change was decided');
    } catch (error) {
      log.warn('a conversation state change could not be made', { session: sessionRef(change.sessionId), ...errorFields(error) });
      return { kind: 'unavailable', errorClass: classifyMemoryError(error) };
    }
  }

  /**
   * An agent's message into the conversation they own: into memory (the customer's widget and, once
   * handed back, the model see it, labelled as a person's words) and the audit, in one atomic step.
   * Refused, with the reason, when the conversation is not theirs (any more).
   */
  async appendAgentMessage(message: AgentMessage): Promise<AgentMessageOutcome> {
    const at = message.now.toISOString();
    try {
      const result = await this.options.backend.appendMessage({
        sessionId: message.sessionId,
        agentId: message.agent.id,
        message: {
          tokens: estimateTokens(message.text),
          role: 'agent',
          at,
          auditId: message.auditId,
          agentName: message.agent.name,
          text: message.text,
        },
        entry: {
          auditId: message.auditId,
          sessionId: message.sessionId,
          agent: { id: message.agent.id, name: message.agent.name },
          text: message.text,
          at,
        },
        now: message.now,
      });
      if (result.kind === 'appended') {
        this.options.onRecorded?.(true);
        return { kind: 'sent', eventSeq: result.eventSeq };
      }
      const code = mayWrite(result.state, message.agent) ?? 'invalid_state';
      return { kind: 'refused', code, owner: result.state.owner, state: result.state };
    } catch (error) {
      log.warn('an agent message could not be stored', { session: sessionRef(message.sessionId), ...errorFields(error) });
      return { kind: 'unavailable', errorClass: classifyMemoryError(error) };
    }
  }

  /**
   * Who answers the conversation now, and its version (the event counter: it moves with every state
   * change and agent message, which is what an open widget waits for). Null when it cannot be read.
   */
  async readState(sessionId: string): Promise<HeldState | null> {
    try {
      const read = await this.options.backend.readState(sessionId);
      if (read.kind === 'read') return read.state;
      return (await this.options.durable.lookup(sessionId, null)).state ?? { eventSeq: 0, snapshot: INITIAL_STATE };
    } catch {
      return null;
    }
  }

  /** Which of these turns still hold their conversation's lease (the drainer's abandon check). */
  leasesHeld(turns: { sessionId: string; auditId: string }[]): Promise<Set<string>> {
    return this.options.backend.leasesHeld(turns);
  }

  /**
   * Stores the exchange with its final record. Whatever the backend does, the record is written
   * exactly once: by the commit itself, by a separate record call when the backend refused the
   * exchange, or directly to the audit database when the backend is unreachable.
   */
  private async commitExchange(turn: OpenTurn, exchange: Exchange, final: TurnRecord, now: Date): Promise<Finished> {
    const { backend } = this.options;
    try {
      const result = await this.withSeed(turn, (seed) =>
        backend.commit({
          sessionId: turn.sessionId,
          auditId: final.auditId,
          exchange,
          seq: turn.seq,
          seed,
          // A record we could not parse is replaced; after a mere outage the exchange is appended, so
          // a blip does not cost the customer the rest of their history.
          fresh: turn.memory.status === 'unavailable' && turn.memory.errorClass === 'corrupt_record',
          final,
          now,
        }),
      );
      if (result.kind === 'stored') {
        this.options.onRecorded?.();
        return result;
      }
      if (result.kind === 'duplicate') {
        if (turn.seq !== null) {
          await this.recordOnly(turn, {
            kind: 'void',
            seq: turn.seq,
            record: { auditId: final.auditId, sessionId: turn.sessionId },
          });
        }
        return result;
      }
      const refused = withMemoryError(final, 'memory_write:locked');
      await this.recordOnly(turn, { kind: 'final', seq: turn.seq, record: refused });
      return { kind: 'not_remembered' };
    } catch (error) {
      const errorClass = `memory_write:${classifyMemoryError(error)}`;
      log.warn('reply not remembered', { auditId: final.auditId, errorClass });
      await this.options.audit.write({ kind: 'final', seq: turn.seq, record: withMemoryError(final, errorClass) });
      if (turn.leased) this.releaseLater(turn);
      return { kind: 'not_remembered' };
    }
  }

  /** Records how a turn ended when memory keeps nothing of it; directly to the audit database if the backend is down. */
  private recordOnly(turn: OpenTurn, entry: EndEntry): Promise<number> {
    const status = entry.kind === 'void' ? 'void' : entry.record.status;
    return withSpan('tether.audit.write', { 'tether.turn.status': status, 'tether.audit.via': 'memory' }, async () => {
      try {
        const recorded = await this.withSeed(turn, (seed) =>
          this.options.backend.record({
            sessionId: turn.sessionId,
            auditId: entry.record.auditId,
            seq: turn.seq,
            seed,
            entry,
          }),
        );
        this.options.onRecorded?.();
        return recorded.kind === 'recorded' ? (recorded.modelErrors ?? 0) : 0;
      } catch (error) {
        log.warn('audit entry written directly', {
          auditId: entry.record.auditId,
          errorClass: classifyMemoryError(error),
        });
        await this.options.audit.write(entry);
        if (turn.leased) this.releaseLater(turn);
        return 0;
      }
    });
  }

  /**
   * Runs a backend call that may answer `unseeded` (the backend lost the conversation's counter
   * during this turn): asks the durable record once and calls again with its seed.
   */
  private async withSeed<R extends { kind: string }>(
    turn: OpenTurn,
    call: (seed: Seed | null) => Promise<R>,
  ): Promise<Exclude<R, { kind: 'unseeded' }>> {
    let seed = turn.seed;
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await call(seed);
      if (result.kind !== 'unseeded') return result as Exclude<R, { kind: 'unseeded' }>;
      seed = (await lookupSeed(this.options.durable, turn.sessionId)) ?? { seq: 0, kept: 0 };
    }
    throw new Error('memory kept asking for a seed');
  }

  /**
   * The backend failed at the end of a turn whose record is already written: give the lease back once
   * it answers again (a 1 ms renewal is a release that never touches another turn's lease), so the
   * customer's next message is not kept waiting for the lease to run out.
   */
  private releaseLater(turn: OpenTurn): void {
    turn.defer(
      (async () => {
        for (const wait of [50, 250, 1000]) {
          await sleep(wait);
          try {
            await this.options.backend.renew(turn.sessionId, turn.auditId, 1);
            return;
          } catch {
            // Still down: the lease runs out on its own within leaseMs.
          }
        }
      })().catch(() => undefined),
    );
  }
}

async function lookup(
  durable: DurableRecord,
  sessionId: string,
  messageId: string | null,
): Promise<{ ok: true; facts: DurableFacts } | { ok: false; errorClass: string }> {
  try {
    return { ok: true, facts: await durable.lookup(sessionId, messageId) };
  } catch (error) {
    log.warn('the audit database could not say whether it knows this conversation', {
      session: sessionRef(sessionId),
      ...errorFields(error),
    });
    return { ok: false, errorClass: 'database_unreachable' };
  }
}

async function lookupSeed(durable: DurableRecord, sessionId: string): Promise<Seed | null> {
  try {
    return (await durable.lookup(sessionId, null)).seed;
  } catch {
    return null;
  }
}

function withMemoryError(record: TurnRecord, errorClass: string): TurnRecord {
  return {
    ...record,
    errorCode: record.errorCode ?? 'memory_write_failed',
    errorClass: [record.errorClass, errorClass].filter(Boolean).join('; '),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
