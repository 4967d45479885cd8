import { randomBytes } from 'node:crypto';
import { createMemoryRateLimitStore } from '../../src/adapters/memory/rate-limit-store.js';
import { createRedis } from '../../src/adapters/redis/client.js';
import { createRedisRateLimitStore } from '../../src/adapters/redis/rate-limit-store.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { rateLimitStoreContract } from './rate-limit-store.contract.js';

rateLimitStoreContract({ name: 'memory', create: async () => createMemoryRateLimitStore() });

rateLimitStoreContract({
  name: 'redis',
  async create() {
    const redis = createRedis({ url: TEST_REDIS_URL, commandTimeoutMs: 1000, role: 'test' });
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      redis.once('error', reject);
    });
    return createRedisRateLimitStore(redis, `quire-test:${randomBytes(4).toString('hex')}:`);
  },
});
