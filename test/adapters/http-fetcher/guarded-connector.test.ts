/** The DNS lookup the fetcher connects through: every resolved address is checked. */
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import {
  ForbiddenAddressError,
  guardedLookup,
} from '../../../src/adapters/http-fetcher/guarded-connector.js';

describe('guarded lookup (every resolved address checked)', () => {
  function fakeResolver(addresses: LookupAddress[]) {
    return (
      _hostname: string,
      _options: unknown,
      callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
    ) => callback(null, addresses);
  }

  function run(addresses: LookupAddress[], all: boolean) {
    const lookup = guardedLookup(fakeResolver(addresses));
    return new Promise<{ err: Error | null; result: unknown }>((resolve) =>
      lookup('upstream.test', { all }, (err, result) => resolve({ err, result })),
    );
  }

  it('refuses a name when any address is forbidden (mixed answers too)', async () => {
    for (const addresses of [
      [{ address: '127.0.0.1', family: 4 }],
      [{ address: '::1', family: 6 }],
      [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ],
      [{ address: '::ffff:169.254.169.254', family: 6 }],
    ]) {
      const { err } = await run(addresses, true);
      assert.ok(err instanceof ForbiddenAddressError, JSON.stringify(addresses));
      assert.match(err.message, /upstream\.test resolves to an address that is not allowed/);
      for (const { address } of addresses) assert.ok(!err.message.includes(address), err.message);
      assert.ok(
        addresses.some(({ address }) => address === err.address),
        'kept for logs',
      );
    }
  });

  it('passes public answers through in the shape asked for', async () => {
    const addresses = [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ];
    assert.deepEqual((await run(addresses, true)).result, addresses);
    const one = await run(addresses, false);
    assert.equal(one.err, null);
    assert.equal(one.result, '93.184.216.34');
  });
});
