/**
 * What the data-conversion pool makes of the factory's failures, driven by the factory's fault
 * fixture (test/fixtures/pool-worker.ts) in place of the real worker entry: it answers as
 * /v1/convert/data always has (504 TIMEOUT, 422 past the heap cap, 503 OVERLOADED past the queue,
 * the task's own error when it throws).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataConversionPool } from '../../../src/adapters/pools/data-conversion-pool.js';
import type { ConversionTask } from '../../../src/ports/data-converter.js';
import type { PoolTask } from '../../fixtures/pool-worker.js';
import { answers, as, closing, workerFile } from './setup.js';

describe('data-conversion pool: failures as /v1/convert/data answers', { timeout: 60_000 }, () => {
  const pool = (options: Partial<ConstructorParameters<typeof DataConversionPool>[0]> = {}) => {
    const created = new DataConversionPool({
      workerFile,
      threads: 1,
      timeoutMs: 2000,
      heapMb: 32,
      maxQueue: 1,
      ...options,
    });
    closing.push(created);
    return created;
  };
  const convert = (p: DataConversionPool, task: PoolTask) => p.convert(as<ConversionTask>(task));

  it('past its deadline: 504 TIMEOUT in seconds', async () => {
    await answers(
      convert(pool(), { op: 'hang' }),
      'TIMEOUT',
      /^The conversion did not finish within 2 s$/,
    );
  });

  it('past its heap cap: 422 naming the cap', async () => {
    await answers(
      // A deadline far past the time a loaded machine takes to fill 32 MiB: the cap must fire first.
      convert(pool({ timeoutMs: 50_000 }), { op: 'oom' }),
      'UNPROCESSABLE_DOCUMENT',
      /^Converting this document needs more than 32 MiB of memory$/,
    );
  });

  it('past its queue: 503 OVERLOADED, retry after 2 s', async () => {
    // The fixture's answers are not conversion outcomes: only the refusal matters here.
    const p = pool();
    await convert(p, { op: 'thread' }).catch(() => undefined); // the thread is up
    const running = convert(p, { op: 'sleep', ms: 400 }).catch(() => undefined);
    const queued = convert(p, { op: 'sleep', ms: 10 }).catch(() => undefined);
    await answers(
      convert(p, { op: 'sleep', ms: 10 }),
      'OVERLOADED',
      /^Too many conversions are waiting; retry shortly$/,
      2,
    );
    await Promise.all([running, queued]);
  });

  it('a conversion that throws rejects with its own error (a 500)', async () => {
    await assert.rejects(convert(pool(), { op: 'throw' }), /injected task bug/);
  });
});
