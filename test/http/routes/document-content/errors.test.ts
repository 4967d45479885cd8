/** A document's content through HTTP refused: not extracted yet (409), bad queries, unknown ids. */
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { buildFaultyExtractionApp } from '../../../helpers/extraction.js';
import { submitText, waitForJob } from '../../../helpers/jobs.js';
import { assertProblem } from '../../../helpers/problem.js';

describe('document content: what cannot be served', () => {
  let t: TestApp;
  before(async () => {
    t = await buildFaultyExtractionApp();
  });

  it('answers content requests it cannot serve with clear 4xx problems', async () => {
    const { document, job } = await submitText(t, 'QUIRE-FAULT:slow 1500 3\nnot yet');
    const early = await t.app.inject({
      url: `/v1/documents/${document.id}/content`,
      headers: t.admin,
    });
    assertProblem(early, 409, 'CONFLICT');
    for (const query of [
      'pages=0',
      'pages=3-1',
      'pages=a',
      'pages=1-100000',
      'format=pdf',
      'redact=all',
    ]) {
      const bad = await t.app.inject({
        url: `/v1/documents/${document.id}/content?${query}`,
        headers: t.admin,
      });
      assertProblem(bad, 400, 'VALIDATION_FAILED');
    }
    const missing = await t.app.inject({ url: '/v1/documents/doc_nope/content', headers: t.admin });
    assertProblem(missing, 404, 'NOT_FOUND');
    await waitForJob(t, job.id);
  });
});
