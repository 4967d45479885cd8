/**
 * The KeyRevocations contract, for every adapter: a published key id reaches every subscriber of
 * every instance sharing the bus (on Redis, instances on separate connections, as separate
 * processes are), once per publish; close() stops delivery to that instance's subscribers and may
 * be called twice.
 *
 * Redis pub/sub channels are not scoped by logical database, and the adapter's channel is fixed,
 * so other test runs may publish on it too: every assertion looks only at this run's key ids.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyRevocations } from '../../src/ports/key-revocations.js';

export interface KeyRevocationsFixture {
  /** Instances that share one bus: one for an in-process adapter, two (or more) for Redis. */
  instances: KeyRevocations[];
  dispose(): Promise<void>;
}

export interface KeyRevocationsFactory {
  name: string;
  create(): Promise<KeyRevocationsFixture>;
}

/** How long a notice may take to arrive before the test fails. */
const DELIVERY_TIMEOUT_MS = 5000;
/** How long to keep listening for a notice that must not (or must not again) arrive. */
const QUIET_MS = 200;
/** A bound on a whole test, should a publish or close itself never settle. */
const TEST_TIMEOUT_MS = 20_000;

/** A key id no other run uses. */
function keyId(): string {
  return `key_test${randomBytes(8).toString('hex')}`;
}

/** Records what one subscriber heard. */
function listen(instance: KeyRevocations): string[] {
  const heard: string[] = [];
  instance.subscribe((id) => heard.push(id));
  return heard;
}

const times = (heard: string[], id: string): number => heard.filter((h) => h === id).length;

async function waitUntil(condition: () => boolean, message: string): Promise<void> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`${message} within ${DELIVERY_TIMEOUT_MS} ms`);
    await sleep(10);
  }
}

/**
 * Publishes a fresh id from `from` again and again until every listener has heard it: a new
 * Redis subscriber is subscribed only once its connection is ready, and nothing promises a
 * notice published before that. Returns once the bus provably delivers to all of them.
 */
async function untilSubscribed(from: KeyRevocations, listeners: string[][]): Promise<void> {
  const id = keyId();
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  while (!listeners.every((heard) => heard.includes(id))) {
    if (Date.now() > deadline)
      assert.fail(`not every subscriber heard a notice within ${DELIVERY_TIMEOUT_MS} ms`);
    await from.publish(id);
    await sleep(25);
  }
}

export function keyRevocationsContract(factory: KeyRevocationsFactory): void {
  describe(`KeyRevocations contract: ${factory.name}`, () => {
    /** Runs `test` on a fresh fixture (tests close instances), disposing it whatever happens. */
    async function withFixture(test: (instances: KeyRevocations[]) => Promise<void>) {
      const fixture = await factory.create();
      try {
        assert.ok(fixture.instances.length > 0);
        await test(fixture.instances);
      } finally {
        await fixture.dispose();
      }
    }

    it(
      'a published id reaches every subscriber of every instance, once',
      { timeout: TEST_TIMEOUT_MS },
      () =>
        withFixture(async (instances) => {
          const listeners = instances.flatMap((instance) => [listen(instance), listen(instance)]);
          await untilSubscribed(instances[0] as KeyRevocations, listeners);
          // From each instance in turn: every instance both publishes and hears.
          for (const from of instances) {
            const id = keyId();
            await from.publish(id);
            await waitUntil(
              () => listeners.every((heard) => heard.includes(id)),
              `every subscriber hears ${id}`,
            );
            await sleep(QUIET_MS);
            assert.deepEqual(
              listeners.map((heard) => times(heard, id)),
              listeners.map(() => 1),
              'each subscriber hears one publish once',
            );
          }
        }),
    );

    it(
      'close() stops delivery to that instance’s subscribers, and may be called twice',
      { timeout: TEST_TIMEOUT_MS },
      () =>
        withFixture(async (instances) => {
          const closing = instances[instances.length - 1] as KeyRevocations;
          const witness = instances.length > 1 ? (instances[0] as KeyRevocations) : null;
          const closed = listen(closing);
          const open = witness === null ? null : listen(witness);
          await untilSubscribed(witness ?? closing, open === null ? [closed] : [closed, open]);

          await closing.close();
          await closing.close();
          const id = keyId();
          if (witness === null) {
            // An in-process bus: publishing on the closed instance must reach no one.
            await closing.publish(id);
          } else {
            await witness.publish(id);
            // The witness hearing it proves the notice went out; the closed one must not.
            await waitUntil(
              () => open?.includes(id) === true,
              'the open instance hears the notice',
            );
          }
          await sleep(QUIET_MS);
          assert.equal(times(closed, id), 0, 'a closed instance delivers nothing');
        }),
    );
  });
}
