/** Idempotency-Key through HTTP, on document creation: replay, reuse with another body, tenancy. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { keyFor } from '../../helpers/keys.js';
import { assertProblem } from '../../helpers/problem.js';
import { multipart } from '../../helpers/multipart.js';

const DOCS = '/v1/documents';

describe('documents: Idempotency-Key', () => {
  let t: TestApp;
  let writer: Record<string, string>;
  before(async () => {
    t = await buildTestApp();
    writer = await keyFor(t, 'acme', ['documents:read', 'documents:write']);
  });

  it('replays the first answer for the same key and body', async () => {
    const headers = { ...writer, 'idempotency-key': 'create-1' };
    const first = await t.app.inject({
      method: 'POST',
      url: `${DOCS}?dedupe=false`,
      headers,
      payload: { text: 'idempotent' },
    });
    assert.equal(first.statusCode, 202);
    const replay = await t.app.inject({
      method: 'POST',
      url: `${DOCS}?dedupe=false`,
      headers,
      payload: { text: 'idempotent' },
    });
    assert.equal(replay.statusCode, 202);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.headers.location, first.headers.location);
    assert.deepEqual(replay.json(), first.json());
    const list = await t.app.inject({ method: 'GET', url: DOCS, headers: writer });
    assert.equal(list.json().data.length, 1, 'one document, not two');
  });

  it('409 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    const headers = { ...writer, 'idempotency-key': 'create-2' };
    await t.app.inject({ method: 'POST', url: DOCS, headers, payload: { text: 'first body' } });
    assertProblem(
      await t.app.inject({ method: 'POST', url: DOCS, headers, payload: { text: 'second body' } }),
      409,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it('multipart: another file of the same length under the same key is 409, not a replay', async () => {
    const send = (file: string, boundary: string) => {
      const form = multipart([{ name: 'file', value: file, filename: 'a.txt' }], boundary);
      return t.app.inject({
        method: 'POST',
        url: DOCS,
        headers: { ...writer, ...form.headers, 'idempotency-key': 'upload-1' },
        payload: form.payload,
      });
    };
    const first = await send('first file, twenty-nine bytes', 'boundary-one');
    assert.equal(first.statusCode, 202, first.body);
    // Same length, same boundary: only the bytes differ.
    const other = await send('other file, twenty-nine bytes', 'boundary-one');
    assertProblem(other, 409, 'IDEMPOTENCY_KEY_REUSED');
    // The same file sent again (a client retry, with its own boundary) replays.
    const retry = await send('first file, twenty-nine bytes', 'another-boundary-xyz');
    assert.equal(retry.statusCode, 202, retry.body);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.deepEqual(retry.json(), first.json());
    const list = await t.app.inject({ method: 'GET', url: `${DOCS}?limit=200`, headers: writer });
    const names = list.json().data.filter((d: { filename: string }) => d.filename === 'a.txt');
    assert.equal(names.length, 1, 'the second file made no document and was not silently lost');
  });

  it('keys are per tenant, and a malformed key is 400', async () => {
    const other = await keyFor(t, 'globex', ['documents:write']);
    const response = await t.app.inject({
      method: 'POST',
      url: DOCS,
      headers: { ...other, 'idempotency-key': 'create-1' },
      payload: { text: 'idempotent' },
    });
    assert.equal(response.statusCode, 202);
    assert.equal(response.headers['idempotent-replayed'], undefined);
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: DOCS,
        headers: { ...writer, 'idempotency-key': 'x'.repeat(300) },
        payload: { text: 'x' },
      }),
      400,
      'VALIDATION_FAILED',
    );
  });
});
