/**
 * URLs the router refuses before any route runs (issue 12, defect 5): bad percent-encoding and
 * over-long path parameters answer problem+json like every other error, with the request id and
 * the security headers, instead of Fastify's own JSON.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { assertProblem } from '../../helpers/problem.js';

describe('URLs the router refuses', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  for (const path of ['%ff', '%C0%AF', '%']) {
    it(`GET /v1/documents/${path} is a 400 problem`, async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/documents/${path}`,
        headers: { ...t.admin, 'x-request-id': 'bad-url-1' },
      });
      const body = assertProblem(response, 400, 'VALIDATION_FAILED');
      assert.equal(body.request_id, 'bad-url-1');
      assert.match(String(body.detail), /URL/);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
    });
  }

  it('a path parameter over the router limit is a 414 problem', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/documents/${'a'.repeat(300)}`,
      headers: t.admin,
    });
    assertProblem(response, 414, 'URI_TOO_LONG');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
  });
});
