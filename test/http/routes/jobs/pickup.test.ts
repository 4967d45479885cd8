/**
 * A document uploaded to an idle single-process server starts extracting at once: the upload
 * wakes the process's own workers, which otherwise look for due jobs only every
 * QUIRE_WORKER_POLL_MS (a minute here, so a pickup by polling would fail the bound).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp } from '../../../helpers/app.js';
import { submitText, waitForJob } from '../../../helpers/jobs.js';

describe('job pickup in one process', { timeout: 60_000 }, () => {
  it('an upload to an idle server is extracted without waiting for the poll', async () => {
    const t = await buildTestApp({ QUIRE_WORKER_POLL_MS: '60000' });
    // The workers' first look, at start, found nothing: they now wait for the poll or a wake-up.
    await sleep(300);
    for (const round of [1, 2]) {
      const { job } = await submitText(t, `Round ${round} of a short note to extract.`);
      const done = await waitForJob(t, job.id, undefined, 5_000);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      const queuedMs = Date.parse(done.started_at ?? '') - Date.parse(done.created_at);
      assert.ok(queuedMs < 2_000, `round ${round} waited ${queuedMs} ms in the queue`);
    }
  });
});
