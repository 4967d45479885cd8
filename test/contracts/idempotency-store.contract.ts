/** The IdempotencyStore contract, for every adapter. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdempotencyStore, StoredResponse } from '../../src/ports/idempotency-store.js';

export interface IdempotencyStoreFactory {
  name: string;
  create(): Promise<{ store: IdempotencyStore; dispose(): Promise<void> }>;
}

const TTL = 60_000;
const TENANT = 'acme';

function response(overrides: Partial<StoredResponse> = {}): StoredResponse {
  return {
    status: 201,
    headers: { 'content-type': 'application/json', location: '/v1/documents/doc_1' },
    body: '{"id":"doc_1","title":"Zoë – “quoted” ✓"}',
    ...overrides,
  };
}

export function idempotencyStoreContract(factory: IdempotencyStoreFactory): void {
  describe(`IdempotencyStore contract: ${factory.name}`, () => {
    let store: IdempotencyStore;
    let dispose: () => Promise<void>;
    const key = (name: string): string => `${name}-${randomBytes(6).toString('hex')}`;
    before(async () => {
      ({ store, dispose } = await factory.create());
    });
    after(() => dispose());

    it('claims a new key, then replays the completed response and its request hash', async () => {
      const k = key('replay');
      assert.deepEqual(await store.claim(TENANT, k, 'hash-1', TTL), { state: 'claimed' });
      await store.complete(TENANT, k, response());
      assert.deepEqual(await store.claim(TENANT, k, 'hash-1', TTL), {
        state: 'completed',
        requestHash: 'hash-1',
        response: response(),
      });
      // Again: a replay changes nothing.
      assert.deepEqual(await store.claim(TENANT, k, 'hash-1', TTL), {
        state: 'completed',
        requestHash: 'hash-1',
        response: response(),
      });
    });

    it('reports the first request hash to a replay with a different request', async () => {
      const k = key('reuse');
      await store.claim(TENANT, k, 'hash-first', TTL);
      assert.deepEqual(await store.claim(TENANT, k, 'hash-other', TTL), {
        state: 'in_progress',
        requestHash: 'hash-first',
      });
      await store.complete(TENANT, k, response());
      const replay = await store.claim(TENANT, k, 'hash-other', TTL);
      assert.equal(replay.state, 'completed');
      assert.equal(replay.state === 'completed' && replay.requestHash, 'hash-first');
    });

    it('reports a claim still in progress', async () => {
      const k = key('running');
      await store.claim(TENANT, k, 'hash-1', TTL);
      assert.deepEqual(await store.claim(TENANT, k, 'hash-1', TTL), {
        state: 'in_progress',
        requestHash: 'hash-1',
      });
    });

    it('release lets a retry claim the key again', async () => {
      const k = key('release');
      await store.claim(TENANT, k, 'hash-1', TTL);
      await store.release(TENANT, k);
      assert.deepEqual(await store.claim(TENANT, k, 'hash-2', TTL), { state: 'claimed' });
      assert.deepEqual(await store.claim(TENANT, k, 'hash-1', TTL), {
        state: 'in_progress',
        requestHash: 'hash-2',
      });
    });

    it('release keeps a completed record', async () => {
      const k = key('keep');
      await store.claim(TENANT, k, 'hash-1', TTL);
      await store.complete(TENANT, k, response());
      await store.release(TENANT, k);
      assert.equal((await store.claim(TENANT, k, 'hash-1', TTL)).state, 'completed');
    });

    it('release and complete of an unknown key do nothing', async () => {
      const k = key('unknown');
      await store.release(TENANT, k);
      await store.complete(TENANT, k, response());
      assert.deepEqual(await store.claim(TENANT, k, 'hash-1', TTL), { state: 'claimed' });
    });

    it('complete after release does not bring the record back', async () => {
      const k = key('late');
      await store.claim(TENANT, k, 'hash-1', TTL);
      await store.release(TENANT, k);
      await store.complete(TENANT, k, response());
      assert.deepEqual(await store.claim(TENANT, k, 'hash-1', TTL), { state: 'claimed' });
    });

    it('keeps the first response when completed twice', async () => {
      const k = key('twice');
      await store.claim(TENANT, k, 'hash-1', TTL);
      await store.complete(TENANT, k, response({ body: 'first' }));
      await store.complete(TENANT, k, response({ body: 'second' }));
      const replay = await store.claim(TENANT, k, 'hash-1', TTL);
      assert.equal(replay.state === 'completed' && replay.response.body, 'first');
    });

    it('an expired record counts as absent, in progress or completed', async () => {
      const running = key('expire-running');
      const done = key('expire-done');
      await store.claim(TENANT, running, 'hash-1', 200);
      await store.claim(TENANT, done, 'hash-1', 200);
      await store.complete(TENANT, done, response());
      await sleep(300);
      assert.deepEqual(await store.claim(TENANT, running, 'hash-2', TTL), { state: 'claimed' });
      assert.deepEqual(await store.claim(TENANT, done, 'hash-2', TTL), { state: 'claimed' });
      // The new claims are the records now, with their own hash and a fresh TTL.
      assert.deepEqual(await store.claim(TENANT, done, 'hash-1', TTL), {
        state: 'in_progress',
        requestHash: 'hash-2',
      });
      assert.equal((await store.claim(TENANT, running, 'hash-2', TTL)).state, 'in_progress');
    });

    it('complete keeps the TTL the claim set', async () => {
      const k = key('ttl');
      await store.claim(TENANT, k, 'hash-1', 300);
      await sleep(100);
      await store.complete(TENANT, k, response());
      assert.equal((await store.claim(TENANT, k, 'hash-1', TTL)).state, 'completed');
      await sleep(300);
      assert.deepEqual(await store.claim(TENANT, k, 'hash-1', TTL), { state: 'claimed' });
    });

    it('keeps tenants apart', async () => {
      const k = key('shared');
      assert.deepEqual(await store.claim('acme', k, 'hash-a', TTL), { state: 'claimed' });
      assert.deepEqual(await store.claim('globex', k, 'hash-g', TTL), { state: 'claimed' });
      await store.complete('acme', k, response({ body: 'acme' }));
      await store.release('globex', k);
      const acme = await store.claim('acme', k, 'hash-a', TTL);
      assert.equal(acme.state === 'completed' && acme.response.body, 'acme');
      assert.deepEqual(await store.claim('globex', k, 'hash-g', TTL), { state: 'claimed' });
    });

    it('takes keys as opaque strings: separators in tenant ids and keys do not collide', async () => {
      const suffix = randomBytes(4).toString('hex');
      assert.deepEqual(await store.claim(`a:b${suffix}`, 'c', 'hash-1', TTL), {
        state: 'claimed',
      });
      assert.deepEqual(await store.claim('a', `b${suffix}:c`, 'hash-2', TTL), {
        state: 'claimed',
      });
      const odd = `${key('k')}:%2F/ é 🙂 "'\\`;
      assert.deepEqual(await store.claim(TENANT, odd, 'hash-1', TTL), { state: 'claimed' });
      assert.deepEqual(await store.claim(TENANT, odd, 'hash-1', TTL), {
        state: 'in_progress',
        requestHash: 'hash-1',
      });
      const long = key('x'.repeat(242));
      assert.equal(long.length, 255);
      assert.deepEqual(await store.claim(TENANT, long, 'hash-1', TTL), { state: 'claimed' });
    });

    it('lets exactly one of 20 concurrent claims of a key win', async () => {
      const k = key('race');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.claim(TENANT, k, `hash-${i}`, TTL)),
      );
      const winners = results.flatMap((result, i) => (result.state === 'claimed' ? [i] : []));
      assert.equal(winners.length, 1, JSON.stringify(results));
      for (const result of results) {
        if (result.state !== 'claimed') {
          assert.deepEqual(result, { state: 'in_progress', requestHash: `hash-${winners[0]}` });
        }
      }
    });

    it('lets exactly one of 20 concurrent claims of an expired key win', async () => {
      const k = key('race-expired');
      await store.claim(TENANT, k, 'hash-old', 100);
      await store.complete(TENANT, k, response());
      await sleep(200);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.claim(TENANT, k, `hash-${i}`, TTL)),
      );
      const winners = results.filter((result) => result.state === 'claimed');
      assert.equal(winners.length, 1, JSON.stringify(results));
      assert.ok(results.every((result) => result.state !== 'completed'));
    });

    it('round-trips a large body and its headers', async () => {
      const k = key('large');
      const chunk = 'a quire of documents — ünïcödé ✓ 🙂\n';
      const body = chunk.repeat(Math.ceil((1024 * 1024) / chunk.length)); // ≥ 1 MiB
      const large = response({
        status: 200,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'x-request-id': 'req-1',
          etag: '"1"',
        },
        body,
      });
      await store.claim(TENANT, k, 'hash-1', TTL);
      await store.complete(TENANT, k, large);
      const replay = await store.claim(TENANT, k, 'hash-1', TTL);
      assert.equal(replay.state, 'completed');
      assert.ok(replay.state === 'completed');
      assert.equal(replay.response.body.length, body.length);
      assert.ok(replay.response.body === body, 'the body comes back unchanged');
      assert.deepEqual(replay.response, large);
    });
  });
}
