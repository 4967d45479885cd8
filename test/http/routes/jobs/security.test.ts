/**
 * The jobs routes through HTTP for other callers: listing with filters and pages, another
 * tenant's job 404 and unlisted, and retry refused to a read-only key.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createApiKey, type TestApp } from '../../../helpers/app.js';
import { buildFaultyExtractionApp } from '../../../helpers/extraction.js';
import { submitText, waitForJob } from '../../../helpers/jobs.js';
import { assertProblem } from '../../../helpers/problem.js';

describe('jobs: listing and tenancy', () => {
  let t: TestApp;
  before(async () => {
    t = await buildFaultyExtractionApp();
    // Another tenant-`default` job before the test's own, so that a page of one has a next page.
    const earlier = await submitText(t, 'Listed earlier.');
    await waitForJob(t, earlier.job.id);
  });

  it('lists jobs with filters and pages; another tenant’s job is 404 and unlisted', async () => {
    const { document, job } = await submitText(t, 'Listed.');
    await waitForJob(t, job.id);
    const byDocument = await t.app.inject({
      url: `/v1/jobs?document_id=${document.id}`,
      headers: t.admin,
    });
    assert.deepEqual(
      (byDocument.json() as { data: { id: string }[] }).data.map((j) => j.id),
      [job.id],
    );
    const page = await t.app.inject({ url: '/v1/jobs?limit=1', headers: t.admin });
    const body = page.json() as { data: unknown[]; next_cursor: string | null };
    assert.equal(body.data.length, 1);
    assert.ok(body.next_cursor);
    const next = await t.app.inject({
      url: `/v1/jobs?limit=1&cursor=${body.next_cursor}`,
      headers: t.admin,
    });
    assert.equal(next.statusCode, 200);
    assertProblem(
      await t.app.inject({ url: '/v1/jobs?status=nope', headers: t.admin }),
      400,
      'VALIDATION_FAILED',
    );

    const other = await createApiKey(t, {
      name: 'other',
      tenant_id: 'other',
      scopes: ['documents:read', 'documents:write'],
    });
    const headers = { authorization: `Bearer ${other.key}` };
    assertProblem(await t.app.inject({ url: `/v1/jobs/${job.id}`, headers }), 404, 'NOT_FOUND');
    assertProblem(
      await t.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel`, headers }),
      404,
      'NOT_FOUND',
    );
    assertProblem(
      await t.app.inject({ url: `/v1/jobs/${job.id}/events`, headers }),
      404,
      'NOT_FOUND',
    );
    const theirs = await t.app.inject({ url: '/v1/jobs', headers });
    assert.deepEqual((theirs.json() as { data: unknown[] }).data, []);
    const readOnly = await createApiKey(t, { name: 'ro', scopes: ['documents:read'] });
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: `/v1/jobs/${job.id}/retry`,
        headers: { authorization: `Bearer ${readOnly.key}` },
      }),
      403,
      'FORBIDDEN',
    );
  });
});
