import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.QUIRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A plain client for test set-up (not the fail-fast one the app uses). */
export function testRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
}
