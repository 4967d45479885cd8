/**
 * A document's content and reprocessing through HTTP when all goes well: personal data redacted
 * on request, and a document reprocessed (a new job; 409 while one is active).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { buildFaultyExtractionApp } from '../../../helpers/extraction.js';
import { submitText, waitForJob } from '../../../helpers/jobs.js';
import { assertProblem } from '../../../helpers/problem.js';

describe('document content and reprocess', () => {
  let t: TestApp;
  before(async () => {
    t = await buildFaultyExtractionApp();
  });

  it('redacts personal data in content on request', async () => {
    const { document, job } = await submitText(
      t,
      'Write to jane.doe@example.com or call +44 20 7946 0958 about the invoice.',
    );
    await waitForJob(t, job.id);
    const redacted = await t.app.inject({
      url: `/v1/documents/${document.id}/content?redact=pii`,
      headers: t.admin,
    });
    assert.equal(redacted.statusCode, 200);
    assert.ok(!redacted.body.includes('jane.doe@example.com'), redacted.body);
    assert.ok(redacted.body.includes('about the invoice'));
    const original = await t.app.inject({
      url: `/v1/documents/${document.id}/content`,
      headers: t.admin,
    });
    assert.ok(original.body.includes('jane.doe@example.com'));
    assert.notEqual(original.headers.etag, redacted.headers.etag);
  });

  it('reprocesses a document: a new job, 409 while one is active', async () => {
    const { document, job } = await submitText(t, 'Reprocess me, please.');
    await waitForJob(t, job.id);
    const first = await t.app.inject({
      method: 'POST',
      url: `/v1/documents/${document.id}/reprocess`,
      headers: t.admin,
    });
    assert.equal(first.statusCode, 202, first.body);
    const second = await t.app.inject({
      method: 'POST',
      url: `/v1/documents/${document.id}/reprocess`,
      headers: t.admin,
      payload: {},
    });
    // Either the first job is still active (409) or it already finished (a second job, 202).
    if (second.statusCode === 409) assertProblem(second, 409, 'CONFLICT');
    else assert.equal(second.statusCode, 202);
    const newJob = first.json().job as { id: string };
    assert.equal((await waitForJob(t, newJob.id)).status, 'succeeded');
    const bad = await t.app.inject({
      method: 'POST',
      url: `/v1/documents/${document.id}/reprocess`,
      headers: t.admin,
      payload: { password: 42 },
    });
    assertProblem(bad, 400, 'VALIDATION_FAILED');
  });
});
