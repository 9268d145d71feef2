import { configProblems, getConfig } from '@/lib/config';
import { migratePostgres } from '@/lib/db/client';
import { errorFields, log } from '@/lib/observability/log';
import { registerTracing } from '@/lib/observability/otel';

/**
 * The server's start-up, in order:
 * 1. the configuration: a production server with missing or short secrets, or embedded defaults
 *    nobody opted into, stops here naming each problem, before it serves anyone;
 * 2. tracing, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set;
 * 3. migrations, when DATABASE_MIGRATE_ON_START=on (the Docker image).
 * Runs from instrumentation.ts, which Next bundles on its own: nothing stateful that routes use is
 * created here (an object made in this bundle carries a second copy of every module it uses); the
 * runtime is built by the routes on first use. Tracing is safe: OpenTelemetry's API keeps its
 * provider in a process-wide registry meant for exactly this.
 */
export async function startServer(): Promise<void> {
  const problems = configProblems(process.env);
  if (problems.length > 0) {
    log.error('Invalid Tether configuration: the server will not start', { problems });
    // stderr too, in plain words, for whoever reads the terminal rather than a log collector.
    process.stderr.write(`Invalid Tether configuration:\n${problems.map((p) => `  ${p}`).join('\n')}\nSee .env.example.\n`);
    process.exit(1);
  }
  const config = getConfig();
  if (config.observability.otlpEndpoint) {
    registerTracing({ serviceName: config.observability.serviceName, otlpEndpoint: config.observability.otlpEndpoint });
    log.info('tracing on', { exporter: 'otlp-http' });
  }
  if (config.startup.migrateDatabase && config.database.kind === 'postgres') {
    try {
      await migratePostgres(config.startup.migrationUrl ?? config.database.url);
      log.info('database migrations applied');
    } catch (error) {
      // Serving on an old schema would fail turn by turn; stop, and let the supervisor retry.
      log.error('database migrations failed: the server will not start', errorFields(error));
      process.exit(1);
    }
  }
}
