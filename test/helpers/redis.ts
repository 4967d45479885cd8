import { Redis } from 'ioredis';
import { requireService } from './services.js';

export const TEST_REDIS_URL = process.env.QUIRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// Every test file that imports this needs Redis: without one it fails on loading, naming it.
await requireService({
  name: 'Redis',
  url: TEST_REDIS_URL,
  variable: 'QUIRE_TEST_REDIS_URL',
  defaultPort: 6379,
  start: '`redis-server --port 6379 --daemonize yes`, or `service redis-server start`',
});

/** A plain client for test set-up (not the fail-fast one the app uses). */
export function testRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** Deletes every key under `prefix` (BullMQ's queues, jobs, locks and events). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = testRedis();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
