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
