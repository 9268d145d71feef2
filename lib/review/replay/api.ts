import 'server-only';
import { z } from 'zod';
import { type AccessLogThrottle, logAccess } from '@/lib/auth/access-log';
import { ApiError } from '@/lib/errors';
import { ADMIN_BODY_MAX_BYTES, type EdgeServices, endpointFor } from '@/lib/http/endpoint';
import type { ReplayRunner } from '@/lib/review/replay/runner';
import { getReplay, requestCancel, startReplay, startReplaySchema } from '@/lib/review/replay/runs';

export interface ReplayServices extends EdgeServices {
  replays: Pick<ReplayRunner, 'kick' | 'cancelLocal' | 'models'>;
  accessLogThrottle: AccessLogThrottle;
}

const endpoint = endpointFor<ReplayServices>();

/** POST /api/admin/replays: queue a replay and start the runner (after the response). */
export const startReplayEndpoint = endpoint(
  {
    auth: { kind: 'agent', role: 'admin', mutation: true, action: 'replay_start' },
    body: { schema: startReplaySchema, maxBytes: ADMIN_BODY_MAX_BYTES },
  },
  async ({ body, db, agent, runtime, defer }) => {
    const run = await startReplay(db, agent, body, runtime.replays.models, runtime.config.admin.modelPrices);
    await logAccess(db, agent, 'replay_start', {
      auditId: run.auditId,
      detail: {
        replayId: run.id,
        datasetId: run.datasetId,
        endpoint: run.candidate.endpoint,
        model: run.candidate.model,
        systemPromptChanged: run.candidate.systemPrompt !== null,
        budgetUsd: run.budgetUsd,
        budgetTokens: run.budgetTokens,
        items: run.total,
      },
    });
    // A long-lived server runs it in this process now (its runner also polls for runs left by a dead
    // instance); on serverless, after the response, for as long as the platform keeps the function
    // (another instance takes it over when this one's lease runs out).
    if (runtime.config.serverless) defer(runtime.replays.kick());
    else void runtime.replays.kick();
    return Response.json({ id: run.id, state: run.state, total: run.total }, { status: 202 });
  },
);

/** GET /api/admin/replays/{id}: the run's progress and results (polled by its page). */
export const replayProgressEndpoint = endpoint(
  { auth: { kind: 'agent', role: 'admin', mutation: false, action: 'view_replay' }, param: z.uuid() },
  async ({ param: id, db, agent, runtime, defer }) => {
    const replay = await getReplay(db, id);
    if (!replay) throw new ApiError(404, 'not_found', 'No such replay.');
    // Whoever watches an unfinished run wakes this instance's runner: it takes the run over if the
    // instance running it died (its lease ran out), and does nothing otherwise.
    if (replay.run.state === 'queued' || replay.run.state === 'running') {
      if (runtime.config.serverless) defer(runtime.replays.kick());
      else void runtime.replays.kick();
    }
    // Polled every second while it runs: one entry a minute says who watched it.
    await runtime.accessLogThrottle.log(db, agent, 'view_replay', { detail: { replayId: id, results: replay.results.length } }, `replay ${id}`);
    return Response.json(replay);
  },
);

/** POST /api/admin/replays/{id}/cancel: no further model calls; the call in flight is aborted. */
export const cancelReplayEndpoint = endpoint(
  { auth: { kind: 'agent', role: 'admin', mutation: true, action: 'replay_cancel' }, param: z.uuid() },
  async ({ param: id, db, agent, runtime }) => {
    const outcome = await requestCancel(db, id);
    if (outcome === null) throw new ApiError(404, 'not_found', 'No such replay.');
    if (outcome === 'finished') throw new ApiError(409, 'invalid_state', 'This replay has already ended.');
    runtime.replays.cancelLocal(id);
    await logAccess(db, agent, 'replay_cancel', { detail: { replayId: id, completed: outcome.completed, total: outcome.total } });
    return Response.json({ id, state: outcome.state, cancelRequested: true });
  },
);
