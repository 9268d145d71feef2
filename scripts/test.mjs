#!/usr/bin/env node
// `npm test`: every level (unit, integration on real services and on the embedded defaults, the
// production build under faults, e2e in a real browser against the production build), then one line
// of totals. Usage: npm test [-- --only unit|integration|production|e2e]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const reports = path.join(root, 'test-results');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : null;
const levels = only ? [only] : ['unit', 'integration', 'production', 'e2e'];
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

function run(command, args, extraEnv = {}) {
  console.log(`\n$ ${[command, ...args].join(' ')}`);
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } }).status ?? 1;
}

function canConnect(url, fallbackPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || fallbackPort) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function requireServices() {
  const postgres = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redis = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const missing = [];
  if (!(await canConnect(postgres, 5432))) missing.push(`PostgreSQL at ${new URL(postgres).host} (start it, or set TEST_POSTGRES_URL)`);
  if (!(await canConnect(redis, 6379))) missing.push(`Redis at ${new URL(redis).host} (start it, or set TEST_REDIS_URL)`);
  if (missing.length > 0) {
    console.error(`\nThe integration and e2e tests need real services that are not reachable:\n- ${missing.join('\n- ')}`);
    console.error('How to start them (Debian commands included): README.md → "Running the tests".');
    process.exit(1);
  }
}

/** Debian's chromium where it is (or can be installed), else Playwright's own download. */
function ensureBrowser() {
  const candidates = [process.env.PLAYWRIGHT_CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  if (candidates.some((file) => existsSync(file))) return;
  if (existsSync('/usr/bin/apt-get')) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const apt = 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium';
    console.log("\nNo Chromium found: installing Debian's chromium for the e2e tests …");
    run('sh', ['-c', isRoot ? apt : `sudo -n sh -c '${apt}'`]);
    if (existsSync('/usr/bin/chromium')) return;
  }
  console.log("\nInstalling Playwright's Chromium …");
  if (run('npx', ['playwright', 'install', 'chromium']) !== 0) {
    console.error('No browser for the e2e tests: install Chromium (apt-get install chromium) or set PLAYWRIGHT_CHROMIUM_PATH.');
    process.exit(1);
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let failedSteps = [];

function countVitest(file, step) {
  const report = readJson(file);
  if (!report) {
    failedSteps.push(`${step} (no report)`);
    totals.failed += 1;
    return;
  }
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if ((report.numFailedTests ?? 0) > 0 || report.success === false) failedSteps.push(step);
}

function countPlaywright(file) {
  const report = readJson(file);
  if (!report?.stats) {
    failedSteps.push('e2e (no report)');
    totals.failed += 1;
    return;
  }
  const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = report.stats;
  totals.passed += expected + flaky;
  totals.failed += unexpected;
  totals.skipped += skipped;
  if (unexpected > 0 || (report.errors ?? []).length > 0) failedSteps.push('e2e');
}

mkdirSync(reports, { recursive: true });
if (levels.some((level) => level !== 'unit')) await requireServices();

if (levels.includes('unit')) {
  const file = path.join(reports, 'unit.json');
  rmSync(file, { force: true });
  const code = run('npx', ['vitest', 'run', '--project', 'unit', '--reporter=default', '--reporter=json', `--outputFile.json=${file}`]);
  countVitest(file, 'unit');
  if (code !== 0 && !failedSteps.includes('unit')) failedSteps.push('unit');
}

if (levels.includes('integration')) {
  const file = path.join(reports, 'integration.json');
  rmSync(file, { force: true });
  const code = run('npx', [
    'vitest', 'run', '--project', 'integration', '--project', 'integration-embedded',
    '--reporter=default', '--reporter=json', `--outputFile.json=${file}`,
  ]);
  countVitest(file, 'integration');
  if (code !== 0 && !failedSteps.includes('integration')) failedSteps.push('integration');
}

/** True when nothing listens on 127.0.0.1:port (binding it briefly is the only reliable check). */
function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The e2e servers' ports (tests/e2e/ports.ts): E2E_PORT_BASE when set, else the first base from 3100
 * whose ports (base … base + 10 and the mock models' base + 1000, base + 1001) are all free, so a
 * second run or another app on the machine does not collide with this one.
 */
async function e2ePortBase() {
  if (process.env.E2E_PORT_BASE) return process.env.E2E_PORT_BASE;
  for (let base = 3100; base < 3100 + 40 * 20; base += 20) {
    const ports = [...Array.from({ length: 11 }, (_, i) => base + i), base + 1000, base + 1001];
    let free = true;
    for (const port of ports) {
      if (!(await portIsFree(port))) {
        free = false;
        break;
      }
    }
    if (free) return String(base);
  }
  console.error('No free ports for the e2e servers between 3100 and 3900: set E2E_PORT_BASE.');
  process.exit(1);
}

const distDir = '.next-test';
let built = null;
function buildOnce() {
  built ??= run('npx', ['next', 'build'], { NEXT_DIST_DIR: distDir }) === 0;
  if (!built && !failedSteps.includes('next build')) {
    failedSteps.push('next build');
    totals.failed += 1;
  }
  return built;
}

if (levels.includes('production') || levels.includes('e2e')) {
  env.E2E_PORT_BASE = await e2ePortBase();
  console.log(`\ne2e and production servers on ports from ${env.E2E_PORT_BASE} (E2E_PORT_BASE)`);
}

// Production servers of the test build on their own: faults, kill -9, start-up checks, standalone, two instances.
if (levels.includes('production') && buildOnce()) {
  const file = path.join(reports, 'production.json');
  rmSync(file, { force: true });
  const code = run(
    'npx',
    ['vitest', 'run', '--project', 'production', '--reporter=default', '--reporter=json', `--outputFile.json=${file}`],
    { NEXT_DIST_DIR: distDir },
  );
  countVitest(file, 'production');
  if (code !== 0 && !failedSteps.includes('production')) failedSteps.push('production');
}

if (levels.includes('e2e')) {
  ensureBrowser();
  if (buildOnce()) {
    const file = path.join(reports, 'e2e.json');
    rmSync(file, { force: true });
    run('npx', ['playwright', 'test'], { NEXT_DIST_DIR: distDir, PLAYWRIGHT_JSON_OUTPUT_NAME: file });
    countPlaywright(file);
  }
}

console.log('');
if (failedSteps.length > 0) console.log(`Failing: ${failedSteps.join(', ')}`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length > 0 || totals.failed > 0 ? 1 : 0);
