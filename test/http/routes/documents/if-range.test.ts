/**
 * `If-Range` on GET /v1/documents/{id}/file (RFC 9110 §13.1.5): the Range is honoured only when
 * the validator is the file's current strong ETag; otherwise the whole file comes back with 200.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { DOCS, sha256, STORED_CONTENT, storedDocument } from './setup.js';

describe('documents: If-Range', { timeout: 60_000 }, () => {
  let t: TestApp;
  let acme: Record<string, string>;
  let id: string;
  before(async () => {
    ({ t, acme, id } = await storedDocument());
  });

  const get = (headers: Record<string, string>) =>
    t.app.inject({
      url: `${DOCS}/${id}/file`,
      headers: { ...acme, range: 'bytes=10-19', ...headers },
    });

  it('a matching ETag keeps the Range: 206', async () => {
    const part = await get({ 'if-range': `"${sha256(STORED_CONTENT)}"` });
    assert.equal(part.statusCode, 206);
    assert.deepEqual(part.rawPayload, STORED_CONTENT.subarray(10, 20));
  });

  for (const [label, validator] of [
    ['another ETag', '"not-the-current-etag"'],
    ['the weak form of the ETag', `W/"${sha256(STORED_CONTENT)}"`],
    ['a date (no Last-Modified to compare with)', 'Tue, 01 Dec 2026 00:00:00 GMT'],
  ] as const) {
    it(`${label}: the Range is ignored, 200 with the whole file`, async () => {
      const whole = await get({ 'if-range': validator });
      assert.equal(whole.statusCode, 200);
      assert.equal(whole.headers['content-range'], undefined);
      assert.equal(whole.headers['content-length'], String(STORED_CONTENT.length));
      assert.deepEqual(whole.rawPayload, STORED_CONTENT);
    });
  }
});
