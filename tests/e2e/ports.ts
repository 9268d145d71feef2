import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Ports of the e2e servers. `E2E_PORT_BASE` (default 3100; `npm test` picks a free base when it is
 * unset) moves them all, so two test runs on one machine do not collide: services stack = base,
 * embedded stack = base + 1, the production tests' own servers = base + 2 … base + 9, and each
 * stack's mock model control API = its port + 1000.
 */
const base = Number(process.env.E2E_PORT_BASE ?? '3100');
if (!Number.isInteger(base) || base < 1024 || base > 60_000) {
  throw new Error(`E2E_PORT_BASE must be an integer between 1024 and 60000 (got "${process.env.E2E_PORT_BASE}")`);
}

export const SERVICES_PORT = base;
export const EMBEDDED_PORT = base + 1;

/** The mock model behind a stack listens here, so specs can drive it over HTTP. */
export function mockModelPort(appPort: number): number {
  return appPort + 1000;
}

/** The services stack's mock model control API. */
export const SERVICES_MOCK = `http://127.0.0.1:${mockModelPort(SERVICES_PORT)}/__mock`;

/** A plain static server for a host page on another origin (the widget embed specs). */
export const HOST_PAGE_PORT = base + 2;

/**
 * Ports for the production servers the ops specs start themselves (start-up checks, health, the
 * standalone server, two instances): base + 3 … base + 10.
 */
export function opsPort(index: number): number {
  if (!Number.isInteger(index) || index < 0 || index > 7) throw new Error(`opsPort: index ${index} out of range 0..7`);
  return base + 3 + index;
}

/** Where tests/e2e/serve.ts leaves a stack's facts (its database URL) for specs that seed data. */
export function stackInfoFile(appPort: number): string {
  return path.join(tmpdir(), `tether-e2e-stack-${appPort}.json`);
}

/** The same file, by the name the security specs use. */
export const stackStateFile = stackInfoFile;
