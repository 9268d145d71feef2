import { z } from 'zod';
import { ApiError } from '@/lib/errors';
import { assertIssuedSessionId } from '@/lib/chat/request';

/**
 * Running turns of THIS process, so a customer's stop can reach the model stream it belongs to.
 * A stand-in: the chat-turn rewrite replaces it with a registry every instance can see.
 * Kept on globalThis under a stable name, because Next may load this module twice (see TOOLCHAIN).
 */
interface RunningTurn {
  sessionId: string;
  controller: AbortController;
}

const holder = globalThis as typeof globalThis & { __tetherRunningTurns?: Map<string, RunningTurn> };
const running = (holder.__tetherRunningTurns ??= new Map<string, RunningTurn>());

/** Registers a turn; the returned signal aborts when the customer stops it. Call `done` when the turn ends. */
export function registerRunningTurn(auditId: string, sessionId: string): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  running.set(auditId, { sessionId, controller });
  return { signal: controller.signal, done: () => running.delete(auditId) };
}

/** Stops a running turn if it belongs to `sessionId`; false when there is none (already finished, another instance). */
export function stopRunningTurn(sessionId: string, auditId: string): boolean {
  const turn = running.get(auditId);
  if (!turn || turn.sessionId !== sessionId) return false;
  turn.controller.abort(new Error('stopped by the customer'));
  running.delete(auditId);
  return true;
}

const stopRequestSchema = z.strictObject({
  sessionId: z.string().max(400),
  auditId: z.string().uuid(),
});

/** POST /api/chat/stop {sessionId, auditId} → 200 {stopped}. Stopping a finished turn is not an error. */
export function parseStopRequest(body: unknown, sessionSecret: string): { sessionId: string; auditId: string } {
  const parsed = stopRequestSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(400, 'invalid_request', 'Expected {"sessionId": string, "auditId": uuid}.');
  }
  assertIssuedSessionId(parsed.data.sessionId, sessionSecret);
  return parsed.data;
}
