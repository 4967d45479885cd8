/**
 * A value outside an enumeration is one validation error listing the allowed values, whether the
 * schema spells it as a union of literals (ajv: one "must be equal to constant" per literal, then
 * "must match a schema in anyOf") or as an `enum`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { assertProblem } from '../../helpers/problem.js';
import { DOCUMENT_SORTS, DOCUMENT_STATUSES } from '../../../src/ports/document-store.js';
import { JOB_STATUSES } from '../../../src/ports/job-store.js';

describe('validation errors of enumerations', { timeout: 60_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  const cases: [string, string, readonly string[]][] = [
    ['/v1/documents?status=bogus', '/querystring/status', DOCUMENT_STATUSES],
    ['/v1/documents?sort=bogus', '/querystring/sort', DOCUMENT_SORTS],
    ['/v1/jobs?status=bogus', '/querystring/status', JOB_STATUSES],
  ];
  for (const [url, path, allowed] of cases) {
    it(`${url}: one error listing ${allowed.length} allowed values`, async () => {
      const response = await t.app.inject({ url, headers: t.admin });
      const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
      const message = `must be one of: ${allowed.join(', ')}`;
      assert.deepEqual(problem.errors, [{ path, message }]);
      assert.equal(problem.detail, `${path} ${message}`);
    });
  }

  it('a union that is not all literals keeps its own errors', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/rerank',
      headers: t.admin,
      payload: { query: 'q', documents: [42] },
    });
    const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
    const errors = problem.errors as { path: string; message: string }[];
    assert.ok(
      errors.every((error) => !error.message.startsWith('must be one of')),
      problem.detail as string,
    );
  });
});
