/**
 * The jobs routes through HTTP when all goes well, on the embedded extraction queue with the fault
 * fixture: a dead job retried, a queued and a running job cancelled (and a cancelled one retried),
 * and a job's events streamed (SSE) until it settles.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tempDir, type TestApp } from '../../../helpers/app.js';
import { buildFaultyExtractionApp } from '../../../helpers/extraction.js';
import { getDocument, getJob, submitText, waitForJob } from '../../../helpers/jobs.js';
import { assertProblem } from '../../../helpers/problem.js';

describe('jobs: retry, cancel and events', () => {
  let t: TestApp;
  before(async () => {
    t = await buildFaultyExtractionApp();
  });

  it('retries a dead job on request: fresh attempts, and the document ends ready', async () => {
    const flag = join(tempDir(), 'flag');
    const { document, job } = await submitText(t, `QUIRE-FAULT:throw-unless ${flag}\nrecovered`);
    assert.equal((await waitForJob(t, job.id)).status, 'dead');
    writeFileSync(flag, 'now it works');
    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${job.id}/retry`,
      headers: t.admin,
    });
    assert.equal(retried.statusCode, 202, retried.body);
    const body = retried.json() as { job: { status: string; attempts: number } };
    assert.deepEqual([body.job.status, body.job.attempts], ['queued', 0]);
    assert.equal((await getDocument(t, document.id)).status !== 'failed', true);
    const done = await waitForJob(t, job.id);
    assert.deepEqual([done.status, done.attempts], ['succeeded', 1]);
    assert.equal((await getDocument(t, document.id)).status, 'ready');
    const conflict = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${job.id}/retry`,
      headers: t.admin,
    });
    assertProblem(conflict, 409, 'CONFLICT');
  });

  it('cancels a queued job and a running one (stopping it within 2 s), and retries a cancelled one', async () => {
    // Two slow jobs fill both threads; a third waits in the queue.
    const first = await submitText(t, 'QUIRE-FAULT:slow 8000 40\nfirst');
    const second = await submitText(t, 'QUIRE-FAULT:slow 8000 40\nsecond');
    await waitForJob(t, first.job.id, (job) => job.status === 'running' && job.progress.done > 0);
    await waitForJob(t, second.job.id, (job) => job.status === 'running');
    const waiting = await submitText(t, 'waiting in line');

    const cancelQueued = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${waiting.job.id}/cancel`,
      headers: t.admin,
    });
    assert.equal(cancelQueued.statusCode, 202, cancelQueued.body);
    assert.equal(cancelQueued.json().job.status, 'cancelled');
    assert.equal((await getDocument(t, waiting.document.id)).error?.code, 'CANCELLED');

    const cancelledAt = Date.now();
    const cancelRunning = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${first.job.id}/cancel`,
      headers: t.admin,
    });
    assert.equal(cancelRunning.statusCode, 202);
    // The thread is free again within 2 s: a new small job runs on it while `second` still runs.
    const after = await submitText(t, 'runs on the freed thread');
    const afterDone = await waitForJob(t, after.job.id, undefined, 5_000);
    assert.equal(afterDone.status, 'succeeded');
    assert.ok(Date.now() - cancelledAt < 2_000 + 1_000, 'the cancelled extraction stopped quickly');
    assert.equal((await getJob(t, second.job.id)).status, 'running', 'the other job was untouched');
    const cancelled = await getJob(t, first.job.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.error?.code, 'CANCELLED');
    assert.equal((await getDocument(t, first.document.id)).status, 'failed');

    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${first.job.id}/cancel`,
      headers: t.admin,
    });
    assert.equal(again.statusCode, 202, 'cancelling a cancelled job is idempotent');

    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${waiting.job.id}/retry`,
      headers: t.admin,
    });
    assert.equal(retried.statusCode, 202, retried.body);
    assert.equal((await waitForJob(t, waiting.job.id)).status, 'succeeded');
    assert.equal((await getDocument(t, waiting.document.id)).status, 'ready');

    const done = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${waiting.job.id}/cancel`,
      headers: t.admin,
    });
    assertProblem(done, 409, 'CONFLICT');
    await waitForJob(t, second.job.id);
  });

  it('streams job events (SSE) until the job settles', async () => {
    const { job } = await submitText(t, 'QUIRE-FAULT:slow 600 3\nwatched');
    const response = await t.app.inject({ url: `/v1/jobs/${job.id}/events`, headers: t.admin });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    const events = response.body
      .split('\n\n')
      .filter((frame) => frame.startsWith('event:'))
      .map((frame) => ({
        event: /^event: (\w+)/.exec(frame)?.[1],
        data: JSON.parse(/\ndata: (.*)/.exec(frame)?.[1] ?? '{}') as {
          status: string;
          progress: { done: number };
        },
      }));
    assert.ok(events.length >= 2, response.body);
    assert.equal(events.at(-1)?.event, 'succeeded');
    assert.ok(events.slice(0, -1).every((e) => e.event === 'progress'));
    assert.ok(
      events.some((e) => e.data.progress.done > 0),
      'progress was reported',
    );
  });
});
