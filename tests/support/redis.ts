import { createClient } from 'redis';
import { TEST_REDIS_URL } from './services';

const makeClient = () => createClient({ url: TEST_REDIS_URL });
export type RedisClient = ReturnType<typeof makeClient>;

/** A direct connection to the test Redis, for assertions the app's REST client cannot make. */
export async function connectRedis(): Promise<RedisClient> {
  const client = makeClient();
  await client.connect();
  return client;
}

/** Deletes every key under a prefix (each test stack has its own). */
export async function deleteKeys(client: RedisClient, prefix: string): Promise<void> {
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    if (keys.length > 0) await client.del(keys);
  }
}
