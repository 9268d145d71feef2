import net from 'node:net';

/** Where the test suites find the real services; override for a machine that runs them elsewhere. */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const HOW_TO_START: Record<'postgres' | 'redis', string> = {
  postgres:
    "start PostgreSQL (on Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set TEST_POSTGRES_URL",
  redis:
    'start Redis (redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no) or set TEST_REDIS_URL',
};

function canConnect(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Fails loudly, naming what to start, instead of letting a suite skip or fail obscurely. */
export async function requireServices(): Promise<void> {
  const missing: string[] = [];
  for (const [name, url] of [
    ['postgres', TEST_POSTGRES_URL],
    ['redis', TEST_REDIS_URL],
  ] as const) {
    const { hostname, port } = new URL(url);
    const defaultPort = name === 'postgres' ? 5432 : 6379;
    if (!(await canConnect(hostname, Number(port || defaultPort)))) {
      missing.push(`- ${name} is not reachable at ${hostname}:${port || defaultPort}: ${HOW_TO_START[name]}`);
    }
  }
  if (missing.length > 0) {
    throw new Error(`The integration tests need real services:\n${missing.join('\n')}`);
  }
}
