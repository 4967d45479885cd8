/**
 * The record mirror's mapping from an SQL row to where its BullMQ job belongs, and `release`
 * carrying it out on the job (fakes for the job and the link: no Redis needed).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { BullJob } from '../../../src/adapters/bullmq/bull-queues.js';
import {
  RecordMirror,
  dueNow,
  placement,
  type RowState,
} from '../../../src/adapters/bullmq/record-mirror.js';
import type { RedisLink } from '../../../src/adapters/bullmq/redis-link.js';
import type { DatabaseSchema } from '../../../src/adapters/sql/schema.js';

const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const at = (offsetMs: number): string => new Date(NOW + offsetMs).toISOString();

function row(fields: Partial<RowState>): RowState {
  return {
    status: 'queued',
    lease_owner: null,
    lease_until: null,
    next_attempt_at: at(0),
    ...fields,
  };
}

describe('record mirror: where a row puts its BullMQ job', () => {
  it('no row, or a settled one: removed (completed)', () => {
    assert.deepEqual(placement(undefined, NOW), { to: 'completed' });
    for (const status of ['succeeded', 'failed', 'dead', 'cancelled']) {
      assert.deepEqual(placement(row({ status }), NOW), { to: 'completed' }, status);
    }
  });

  it('a queued row: waiting once due, delayed exactly until next_attempt_at before', () => {
    assert.deepEqual(placement(row({ next_attempt_at: at(-5) }), NOW), { to: 'wait' });
    assert.deepEqual(placement(row({ next_attempt_at: at(0) }), NOW), { to: 'wait' });
    assert.deepEqual(placement(row({ next_attempt_at: at(1_500) }), NOW), {
      to: 'delayed',
      delayMs: 1_500,
    });
  });

  it('a running row: delayed one millisecond past its lease, waiting once the lease ran out', () => {
    const running = { status: 'running', lease_owner: 'w1' };
    assert.deepEqual(placement(row({ ...running, lease_until: at(2_000) }), NOW), {
      to: 'delayed',
      delayMs: 2_001,
    });
    assert.deepEqual(placement(row({ ...running, lease_until: at(-1) }), NOW), { to: 'wait' });
    // The lease decides, not next_attempt_at.
    assert.deepEqual(
      placement(row({ ...running, lease_until: at(-1), next_attempt_at: at(9_000) }), NOW),
      { to: 'wait' },
    );
  });

  it('a time it cannot read: looked at again in a second', () => {
    assert.deepEqual(placement(row({ status: 'running', lease_until: null }), NOW), {
      to: 'delayed',
      delayMs: 1_001,
    });
    assert.deepEqual(placement(row({ next_attempt_at: 'not a date' }), NOW), {
      to: 'delayed',
      delayMs: 1_000,
    });
  });

  it('dueNow is a row whose job goes straight back to waiting', () => {
    assert.deepEqual(placement(dueNow(NOW), NOW), { to: 'wait' });
  });
});

describe('record mirror: release', { timeout: 5_000 }, () => {
  /** A job that records the moves asked of it; `fail` makes every move throw it. */
  function fakeJob(fail?: unknown): { job: BullJob; moves: unknown[][] } {
    const moves: unknown[][] = [];
    const move =
      (name: string) =>
      async (...args: unknown[]): Promise<void> => {
        moves.push([name, ...args]);
        if (fail !== undefined) throw fail;
      };
    const job = {
      id: 'job-1',
      moveToCompleted: move('completed'),
      moveToWait: move('wait'),
      moveToDelayed: move('delayed'),
    } as unknown as BullJob;
    return { job, moves };
  }

  function mirror(reported: unknown[] = []): RecordMirror {
    const link = {
      connected: async () => undefined,
      call: <T>(promise: Promise<T>) => promise,
    } as unknown as RedisLink;
    const db = {} as Kysely<DatabaseSchema>;
    return new RecordMirror(
      db,
      link,
      () => NOW,
      (error) => reported.push(error),
    );
  }

  it('moves the job as its row says, under the lock token', async () => {
    const removed = fakeJob();
    await mirror().release({ job: removed.job, token: 't1' }, undefined);
    assert.deepEqual(removed.moves, [['completed', null, 't1', false]]);

    const due = fakeJob();
    await mirror().release({ job: due.job, token: 't2' }, row({ next_attempt_at: at(-1) }));
    assert.deepEqual(due.moves, [['wait', 't2']]);

    const later = fakeJob();
    const before = Date.now();
    await mirror().release({ job: later.job, token: 't3' }, row({ next_attempt_at: at(3_000) }));
    const [name, timestamp, token] = later.moves[0] ?? [];
    assert.equal(name, 'delayed');
    assert.equal(token, 't3');
    assert.ok(typeof timestamp === 'number' && timestamp >= before + 3_000);
    assert.ok(timestamp <= Date.now() + 3_000);
  });

  it('never throws: a lost lock is expected, anything else is reported', async () => {
    const reported: unknown[] = [];
    const lost = fakeJob(Object.assign(new Error('Missing lock'), { code: -2 }));
    await mirror(reported).release({ job: lost.job, token: 't' }, undefined);
    assert.deepEqual(reported, []);

    const broken = new Error('connection reset');
    const failing = fakeJob(broken);
    await mirror(reported).release({ job: failing.job, token: 't' }, undefined);
    assert.deepEqual(reported, [broken]);
  });
});
