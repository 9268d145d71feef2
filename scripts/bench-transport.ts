/**
 * `npm run bench -- --only transport [--no-build]` (or `npx tsx scripts/bench-transport.ts …`): the
 * client CPU of one Redis REST request over each transport (scripts/bench-e2e/transport.ts), inside
 * `next start` (the e2e benchmark's build and stack, through app/api/bench/transport) and in a plain
 * Node process, against the same Upstash REST bridge, which runs in this process so none of its CPU
 * is counted. Rounds are interleaved (the transports' order rotates); the tables show the median of
 * the rounds. docs/benchmarks.md, "The Redis REST transport".
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  measureTransport,
  TRANSPORT_LABELS,
  TRANSPORTS,
  type TransportFigures,
  type TransportName,
} from './bench-e2e/transport';
import { buildApp, DIST_DIR, hasBuild, ROOT, startStack } from './bench-e2e/stack';

const ROUNDS = 7;
const REQUESTS = 1_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

function order(round: number): TransportName[] {
  return TRANSPORTS.map((_, i) => TRANSPORTS[(i + round) % TRANSPORTS.length] as TransportName);
}

/** Child mode: every round in this plain Node process, printed as one JSON line. */
async function runClient(url: string, token: string): Promise<void> {
  const figures: TransportFigures[] = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const name of order(round)) figures.push(await measureTransport(name, url, token, REQUESTS));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

function plainNode(url: string, token: string): Promise<TransportFigures[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(__dirname, 'bench-transport.ts'), '--client', url, '--token', token],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`plain-node client exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '[]') as TransportFigures[]);
    });
  });
}

function table(place: string, figures: TransportFigures[]): string {
  const floor = median(figures.filter((f) => f.transport === 'node-http').map((f) => f.cpuUsPerRequest));
  const rows = TRANSPORTS.map((name) => {
    const mine = figures.filter((f) => f.transport === name);
    const cpu = median(mine.map((f) => f.cpuUsPerRequest));
    const wall = median(mine.map((f) => f.wallUsPerRequest));
    return `| ${place} | ${name} | ${cpu.toFixed(0)} | ${(cpu / floor).toFixed(2)}× | ${wall.toFixed(0)} |`;
  });
  return rows.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'no-build': { type: 'boolean', default: false },
      client: { type: 'string' },
      token: { type: 'string' },
    },
  });
  if (values.client) {
    await runClient(values.client, values.token ?? '');
    return 0;
  }
  if (values['no-build'] && hasBuild()) console.log(`build     reusing ${DIST_DIR} (--no-build)`);
  else {
    console.log(`build     next build into ${DIST_DIR} with the benchmark routes …`);
    buildApp();
  }
  const stack = await startStack({ log: (line) => console.log(line) });
  try {
    const inside: TransportFigures[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of order(round)) {
        const response = await fetch(`${stack.base}/api/bench/transport`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ transport: name, requests: REQUESTS }),
        });
        if (!response.ok) throw new Error(`${name}: HTTP ${response.status} ${await response.text()}`);
        inside.push((await response.json()) as TransportFigures);
      }
    }
    const outside = await plainNode(stack.bridge.url, stack.bridge.token);
    console.log(
      `\n${ROUNDS} rounds × ${REQUESTS} sequential ECHO requests (2 KB each way) per transport; median of the rounds.\n`,
    );
    console.log('| process | transport | client CPU µs/request | × node-http | wall µs/request |');
    console.log('|---|---|---:|---:|---:|');
    console.log(table('next start', inside));
    console.log(table('plain node', outside));
    console.log('');
    for (const name of TRANSPORTS) console.log(`- ${name}: ${TRANSPORT_LABELS[name]}`);
    return 0;
  } finally {
    const problems = await stack.close();
    if (problems.length > 0) console.error(`cleanup problems: ${problems.join('; ')}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
