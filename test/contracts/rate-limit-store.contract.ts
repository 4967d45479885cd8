/** The RateLimitStore contract, for every adapter. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RateLimitStore } from '../../src/ports/rate-limit-store.js';

export interface RateLimitStoreFactory {
  name: string;
  create(): Promise<RateLimitStore>;
}

export function rateLimitStoreContract(factory: RateLimitStoreFactory): void {
  describe(`RateLimitStore contract: ${factory.name}`, () => {
    let store: RateLimitStore;
    const key = (name: string): string => `${name}:${randomBytes(4).toString('hex')}`;
    before(async () => {
      store = await factory.create();
    });
    after(() => store.close());

    it('counts hits in one window and reports its rest', async () => {
      const k = key('count');
      assert.equal((await store.hit(k, 10_000)).count, 1);
      assert.equal((await store.hit(k, 10_000)).count, 2);
      const third = await store.hit(k, 10_000);
      assert.equal(third.count, 3);
      assert.ok(third.resetMs > 9_000 && third.resetMs <= 10_000, `resetMs ${third.resetMs}`);
    });

    it('keeps keys apart', async () => {
      const a = key('a');
      const b = key('b');
      await store.hit(a, 10_000);
      await store.hit(a, 10_000);
      assert.equal((await store.hit(b, 10_000)).count, 1);
    });

    it('starts a new window once the old one ends', async () => {
      const k = key('expire');
      await store.hit(k, 150);
      await store.hit(k, 150);
      await sleep(250);
      assert.equal((await store.hit(k, 150)).count, 1);
    });

    it('peek reads without counting, and is null with no open window', async () => {
      const k = key('peek');
      assert.equal(await store.peek(k), null);
      await store.hit(k, 10_000);
      assert.equal((await store.peek(k))?.count, 1);
      assert.equal((await store.peek(k))?.count, 1);
    });

    it('counts concurrent hits exactly', async () => {
      const k = key('race');
      const results = await Promise.all(Array.from({ length: 50 }, () => store.hit(k, 10_000)));
      assert.deepEqual(
        results.map((r) => r.count).sort((x, y) => x - y),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });
  });
}
