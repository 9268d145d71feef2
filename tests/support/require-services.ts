import { requireServices } from './services';

/** Vitest global setup of the services project: stop at once, with what to start, if one is missing. */
export default async function setup(): Promise<void> {
  await requireServices();
}
