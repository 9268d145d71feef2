import { getRuntime } from '@/lib/runtime';
import { sql } from 'drizzle-orm';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Which backends this instance uses and whether each answers; never exposes secrets or URLs. */
export async function GET(): Promise<Response> {
  const app = getRuntime();
  const [database, memory] = await Promise.all([
    app
      .database()
      .then(async (handle) => {
        await handle.db.execute(sql`select 1`);
        return { kind: handle.kind, ok: true };
      })
      .catch(() => ({ kind: app.config.database.kind, ok: false })),
    app.memory
      .read('health-check')
      .then((loaded) => ({ kind: app.memory.kind, ok: loaded.status !== 'unavailable' })),
  ]);
  const ok = database.ok && memory.ok;
  return Response.json(
    { status: ok ? 'ok' : 'degraded', database, memory, model: { kind: app.config.model.kind, name: app.model.modelName } },
    { headers: { 'cache-control': 'no-store' } },
  );
}
