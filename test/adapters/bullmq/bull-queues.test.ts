import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addOptions, queueName, stalledCheckMs } from '../../../src/adapters/bullmq/bull-queues.js';
import { lanesInOrder } from '../../../src/adapters/bullmq/leases.js';
import { sweepPauseMs } from '../../../src/adapters/bullmq/sweep.js';

describe('BullMQ queues and scheduling', () => {
  it('one queue per type and lane', () => {
    assert.equal(queueName('fetch', 'small'), 'quire-fetch-small');
    assert.equal(queueName('extract', 'large'), 'quire-extract-large');
  });

  it('a job is added under its SQL id, once, with BullMQ retries off and no delay in the past', () => {
    assert.deepEqual(addOptions('job-1', 1_234.6), {
      jobId: 'job-1',
      delay: 1_235,
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 1,
    });
    assert.equal(addOptions('job-1', -500).delay, 0);
  });

  it('stalled jobs are looked for every half lease, between 50 ms and 30 s', () => {
    assert.equal(stalledCheckMs(10_000), 5_000);
    assert.equal(stalledCheckMs(20), 50);
    assert.equal(stalledCheckMs(600_000), 30_000);
    assert.equal(stalledCheckMs(101), 50);
  });

  it('small lanes are reserved from first; a choice of lanes keeps that order', () => {
    assert.deepEqual(lanesInOrder(), ['small', 'large']);
    assert.deepEqual(lanesInOrder(['large', 'small']), ['small', 'large']);
    assert.deepEqual(lanesInOrder(['large']), ['large']);
    assert.deepEqual(lanesInOrder([]), []);
  });

  it('the sweep runs every interval, or every eighth of a lease when that is shorter (at least 50 ms)', () => {
    assert.equal(sweepPauseMs(5_000, 60_000), 5_000);
    assert.equal(sweepPauseMs(5_000, 8_000), 1_000);
    assert.equal(sweepPauseMs(5_000, 2_000), 250);
    assert.equal(sweepPauseMs(5_000, 10), 50);
  });
});
