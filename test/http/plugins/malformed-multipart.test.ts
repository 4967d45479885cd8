/**
 * Malformed multipart bodies (issue 12, defect 2): a multipart Content-Type without a boundary,
 * or a body cut off mid-part, is the client's mistake — 400 problem+json with the request id,
 * never a 500 — on both routes that read multipart, and nothing is staged.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { multipart } from '../../helpers/multipart.js';
import { assertProblem } from '../../helpers/problem.js';

const ROUTES = ['/v1/documents', '/v1/convert?to=text'];

/** A well-formed form with a text file, to cut short. */
function form(): { payload: Buffer; headers: Record<string, string> } {
  return multipart([{ name: 'file', value: 'x'.repeat(64 * 1024), filename: 'a.txt' }]);
}

describe('malformed multipart bodies', { timeout: 60_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });
  const staged = (): string[] => {
    try {
      return readdirSync(join(t.dataDir, 'tmp'));
    } catch {
      return [];
    }
  };

  for (const url of ROUTES) {
    it(`${url}: a multipart Content-Type without a boundary is 400`, async () => {
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { ...t.admin, 'content-type': 'multipart/form-data' },
        payload: 'not a form',
      });
      const body = assertProblem(response, 400, 'VALIDATION_FAILED');
      assert.match(String(body.detail), /multipart/);
      assert.deepEqual(staged(), []);
    });

    it(`${url}: a body cut off in the middle of its file is 400`, async () => {
      const { payload, headers } = form();
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { ...t.admin, ...headers },
        payload: payload.subarray(0, payload.length / 2),
      });
      const body = assertProblem(response, 400, 'VALIDATION_FAILED');
      assert.match(String(body.detail), /multipart/);
      assert.deepEqual(staged(), []);
    });

    it(`${url}: a body that ends before its closing boundary is 400`, async () => {
      const { payload, headers } = form();
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { ...t.admin, ...headers },
        payload: payload.subarray(0, payload.length - 8),
      });
      assertProblem(response, 400, 'VALIDATION_FAILED');
      assert.deepEqual(staged(), []);
    });
  }
});
