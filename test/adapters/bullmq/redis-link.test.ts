import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  RedisLink,
  RedisTimeout,
  RedisUnavailable,
  evictionPolicy,
  lostLock,
  within,
} from '../../../src/adapters/bullmq/redis-link.js';

describe('redis link', { timeout: 10_000 }, () => {
  it('within: the outcome when in time, RedisTimeout after the time', async () => {
    assert.equal(await within(Promise.resolve(7), 1_000, 'x'), 7);
    await assert.rejects(within(Promise.reject(new Error('no')), 1_000, 'x'), /no/);
    const never = new Promise<never>(() => undefined);
    const started = Date.now();
    await assert.rejects(within(never, 30, 'reading'), (error: unknown) => {
      assert.ok(error instanceof RedisTimeout);
      assert.match(error.message, /reading within 30 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 1_000);
  });

  it('reads the eviction policy from INFO memory', () => {
    const info = '# Memory\r\nused_memory:1\r\nmaxmemory_policy:allkeys-lru\r\nother:2\r\n';
    assert.equal(evictionPolicy(info), 'allkeys-lru');
    assert.equal(evictionPolicy('# Memory\r\nused_memory:1\r\n'), undefined);
  });

  it("tells BullMQ's lost-lock answers (numeric codes) from other errors", () => {
    assert.equal(lostLock(Object.assign(new Error('Missing lock'), { code: -2 })), true);
    assert.equal(lostLock(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), false);
    assert.equal(lostLock(new Error('plain')), false);
    assert.equal(lostLock(null), false);
  });

  it('fails at once while Redis is unreachable, and after stop', async () => {
    // A port that was free a moment ago: nothing answers there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const reported: string[] = [];
    const link = new RedisLink(
      { url: `redis://127.0.0.1:${address.port}`, retryStrategy: () => 10 },
      2_000,
      (_error, context) => reported.push(context),
    );
    try {
      await assert.rejects(link.connected()); // the first connection error
      await sleep(100); // ioredis retries (and fails) every 10 ms meanwhile
      const started = Date.now();
      await assert.rejects(link.connected(), RedisUnavailable);
      assert.ok(Date.now() - started < 100, 'no wait once Redis is known to be down');
      assert.equal(reported.length, 1, 'one report, not one per retry');
      link.stop();
      await assert.rejects(link.connected(), RedisUnavailable);
    } finally {
      link.redis.disconnect();
    }
  });
});
