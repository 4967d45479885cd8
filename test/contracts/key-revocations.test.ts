/**
 * KeyRevocations passes its contract in process and over Redis, where each instance has its own
 * two connections, as two processes would.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createMemoryKeyRevocations } from '../../src/adapters/memory/key-revocations.js';
import { createRedis } from '../../src/adapters/redis/client.js';
import { createRedisKeyRevocations } from '../../src/adapters/redis/key-revocations.js';
import { redisNamespace } from '../../src/adapters/redis/namespace.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { keyRevocationsContract } from './key-revocations.contract.js';

keyRevocationsContract({
  name: 'memory',
  async create() {
    const revocations = createMemoryKeyRevocations();
    return { instances: [revocations], dispose: () => revocations.close() };
  },
});

async function ready(redis: Redis): Promise<Redis> {
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', () => resolve());
    redis.once('error', reject);
  });
  return redis;
}

keyRevocationsContract({
  name: 'redis, two instances',
  async create() {
    const connect = (role: string) =>
      createRedis({ url: TEST_REDIS_URL, commandTimeoutMs: 2000, role });
    // This run's own channel: other runs on the shared Redis publish on theirs.
    const channel = redisNamespace(
      `quire-test-${randomBytes(4).toString('hex')}`,
    ).revocationChannel;
    const publishers = [await ready(connect('commands-a')), await ready(connect('commands-b'))];
    // Subscribers are handed over before they are ready, as the app does: the adapter subscribes
    // once the connection is up.
    const subscribers = publishers.map((_, i) => connect(`revocations-subscriber-${i}`));
    const instances = publishers.map((publisher, i) =>
      createRedisKeyRevocations(publisher, subscribers[i] as Redis, channel),
    );
    return {
      instances,
      async dispose() {
        for (const instance of instances) await instance.close();
        // Ours to end too, so a close() that failed to cannot keep the test process alive.
        for (const client of [...publishers, ...subscribers]) client.disconnect();
      },
    };
  },
});
