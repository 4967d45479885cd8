/**
 * Query numbers that coercion makes infinite: ajv turns `1e309` or `Infinity` into Infinity and
 * then skips minimum/maximum, so the lists answered 500 (the fuzzer found it). They are 400s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { assertProblem } from '../../helpers/problem.js';

describe('infinite numbers in the query string', { timeout: 60_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });
  after(() => t.app.close());

  for (const path of ['/v1/jobs', '/v1/webhooks', '/v1/documents', '/v1/admin/api-keys']) {
    for (const value of ['1e309', '-1e309', 'Infinity']) {
      it(`${path}?limit=${value} is 400 naming limit`, async () => {
        const response = await t.app.inject({ url: `${path}?limit=${value}`, headers: t.admin });
        const body = assertProblem(response, 400, 'VALIDATION_FAILED');
        assert.deepEqual(body.errors, [
          { path: '/querystring/limit', message: 'must be a finite number' },
        ]);
      });
    }
  }

  it('a finite limit is still served', async () => {
    const response = await t.app.inject({ url: '/v1/jobs?limit=2', headers: t.admin });
    assert.equal(response.statusCode, 200, response.body);
  });
});
