import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BullJob } from '../../../src/adapters/bullmq/bull-queues.js';
import { HeldJobs, type Held } from '../../../src/adapters/bullmq/held-jobs.js';

const held = (until: number): Held => ({ job: {} as BullJob, token: `t${until}`, until });

describe('held jobs', () => {
  it('are held per owner and job: another owner does not see them', () => {
    const jobs = new HeldJobs();
    const mine = held(1_000);
    jobs.hold('w1', 'job-1', mine);
    assert.equal(jobs.get('w1', 'job-1'), mine);
    assert.equal(jobs.get('w2', 'job-1'), undefined);
    assert.equal(jobs.get('w1', 'job-2'), undefined);
  });

  it('take hands the job over once', () => {
    const jobs = new HeldJobs();
    const mine = held(1_000);
    jobs.hold('w1', 'job-1', mine);
    assert.equal(jobs.take('w1', 'job-1'), mine);
    assert.equal(jobs.take('w1', 'job-1'), undefined);
    assert.equal(jobs.get('w1', 'job-1'), undefined);
  });

  it('forgets only jobs whose lease ran out more than a minute ago', () => {
    const jobs = new HeldJobs();
    jobs.hold('w1', 'stale', held(0));
    jobs.hold('w1', 'recent', held(1));
    jobs.forgetStale(60_001);
    assert.equal(jobs.get('w1', 'stale'), undefined);
    assert.ok(jobs.get('w1', 'recent'));
    jobs.clear();
    assert.equal(jobs.get('w1', 'recent'), undefined);
  });
});
