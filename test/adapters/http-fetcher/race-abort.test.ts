import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { raceAbort } from '../../../src/adapters/http-fetcher/race-abort.js';

/** A promise settled from outside. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('raceAbort', { timeout: 5_000 }, () => {
  it('settles with the work while the signal holds', async () => {
    const signal = new AbortController().signal;
    assert.equal(
      await raceAbort(
        Promise.resolve(3),
        signal,
        () => new Error('x'),
        () => {},
      ),
      3,
    );
    await assert.rejects(
      raceAbort(
        Promise.reject(new Error('failed')),
        signal,
        () => new Error('x'),
        () => {},
      ),
      /failed/,
    );
    await assert.rejects(
      raceAbort(
        Promise.reject('text'),
        signal,
        () => new Error('x'),
        () => {},
      ),
      (error: unknown) => error instanceof Error && error.message === 'text',
    );
  });

  it('rejects as soon as the signal aborts, and cleans what the work settles with later', async () => {
    const controller = new AbortController();
    const work = deferred<string>();
    const cleaned: string[] = [];
    const racing = raceAbort(
      work.promise,
      controller.signal,
      () => new Error('aborted'),
      (late) => cleaned.push(late),
    );
    controller.abort();
    await assert.rejects(racing, /aborted/);
    work.resolve('late body');
    await work.promise;
    assert.deepEqual(cleaned, ['late body']);
  });

  it('rejects at once for a signal already aborted; a late failure is dropped', async () => {
    const controller = new AbortController();
    controller.abort();
    const work = deferred<string>();
    await assert.rejects(
      raceAbort(
        work.promise,
        controller.signal,
        () => new Error('too late'),
        () => {},
      ),
      /too late/,
    );
    work.reject(new Error('ignored'));
    await assert.rejects(work.promise);
  });
});
