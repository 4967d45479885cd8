/**
 * Every Redis key and channel the scale-out adapters use lives under QUIRE_REDIS_PREFIX: after a
 * workload touching each of them (rate limits, idempotency, a BullMQ extraction, a revocation),
 * a SCAN of the Redis database finds no key outside `<prefix>:`, and the revocation notice went
 * out on `<prefix>:api-keys:revoked`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { buildTestApp, createApiKey, onCleanup, type TestApp } from '../../helpers/app.js';
import { createPostgresSchema } from '../../helpers/databases.js';
import { submitText, waitForJob } from '../../helpers/jobs.js';
import { TEST_REDIS_URL, testRedis } from '../../helpers/redis.js';

/** This suite's own Redis database (other suites use others). */
const REDIS_DB = 11;
const PREFIX = 'ns-test.1';

async function allKeys(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

describe('Redis namespace: every key under QUIRE_REDIS_PREFIX', { timeout: 60_000 }, () => {
  let t: TestApp;
  let redis: Redis;
  before(async () => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    redis = testRedis();
    onCleanup(() => redis.disconnect());
    await redis.select(REDIS_DB);
    await redis.flushdb();
    t = await buildTestApp({
      QUIRE_DATABASE_URL: schema.url,
      QUIRE_REDIS_URL: `${TEST_REDIS_URL}/${REDIS_DB}`,
      QUIRE_REDIS_PREFIX: PREFIX,
      QUIRE_WORKER_POLL_MS: '20',
    });
    await t.app.ready();
  });

  it('a workload over every Redis adapter leaves keys only under the prefix', async () => {
    const listener = testRedis();
    onCleanup(() => listener.disconnect());
    const notices: [string, string][] = [];
    listener.on('pmessage', (_pattern: string, channel: string, message: string) =>
      notices.push([channel, message]),
    );
    await listener.psubscribe(`${PREFIX}:*`);

    // Rate limits (an API key's and an anonymous caller's), idempotency, a BullMQ job.
    const key = await createApiKey(t, { name: 'short-lived', scopes: ['documents:read'] });
    const asKey = { authorization: `Bearer ${key.key}` };
    assert.equal((await t.app.inject({ url: '/v1/documents', headers: asKey })).statusCode, 200);
    assert.equal((await t.app.inject({ url: '/metrics' })).statusCode, 200);
    const idempotent = { ...t.admin, 'idempotency-key': 'namespaced' };
    const { job } = await submitText(t, 'words to extract through BullMQ', 'note.txt', idempotent);
    assert.equal((await waitForJob(t, job.id)).status, 'succeeded');
    // A revocation notice.
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/v1/admin/api-keys/${key.id}`,
      headers: t.admin,
    });
    assert.equal(revoked.statusCode, 204);
    const deadline = Date.now() + 5_000;
    while (notices.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(notices, [[`${PREFIX}:api-keys:revoked`, key.id]]);

    const keys = await allKeys(redis);
    const outside = keys.filter((name) => !name.startsWith(`${PREFIX}:`));
    assert.deepEqual(outside, [], 'keys outside the namespace');
    for (const part of ['rl', 'idem', 'bull'])
      assert.ok(
        keys.some((name) => name.startsWith(`${PREFIX}:${part}:`)),
        `some ${part} key was written: ${keys.join(' ')}`,
      );
  });
});
