/**
 * The turns running in this process, by audit id, so a customer's stop reaches its turn at once.
 * A stop for a turn running on another instance goes through memory instead (MemoryStore.requestStop),
 * which that turn reads when it renews its lease.
 */
export class StopRegistry {
  private readonly running = new Map<string, { sessionId: string; controller: AbortController }>();

  register(auditId: string, sessionId: string, controller: AbortController): () => void {
    this.running.set(auditId, { sessionId, controller });
    return () => {
      if (this.running.get(auditId)?.controller === controller) this.running.delete(auditId);
    };
  }

  /** True when the turn runs here and belongs to this session (it is stopped now). */
  stop(auditId: string, sessionId: string): boolean {
    const turn = this.running.get(auditId);
    if (!turn || turn.sessionId !== sessionId) return false;
    turn.controller.abort(new Error('stopped by the customer'));
    return true;
  }
}
