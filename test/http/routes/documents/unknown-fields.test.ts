/**
 * JSON bodies whose schema is closed refuse fields it does not name (400 naming the field) instead
 * of dropping them: a misspelt `metdata`, or `tenant_id`/`status`/`sha256` a caller hoped to set.
 * Rerank, whose schema is open for Cohere SDKs, keeps taking unknown fields.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import { DOCS, ingestApp } from './setup.js';

describe('documents: unknown JSON fields', { timeout: 60_000 }, () => {
  let t: TestApp;
  let writer: Record<string, string>;
  before(async () => {
    ({ t, writer } = await ingestApp());
  });

  async function count(): Promise<number> {
    const list = await t.app.inject({ url: `${DOCS}?limit=200`, headers: writer });
    return list.json().data.length;
  }

  for (const field of ['metdata', 'tenant_id', 'status', 'sha256']) {
    it(`POST /v1/documents with "${field}": 400 naming it, nothing created`, async () => {
      const before = await count();
      const response = await t.app.inject({
        method: 'POST',
        url: DOCS,
        headers: writer,
        payload: { text: 'hello', [field]: field === 'metdata' ? { a: 1 } : 'x' },
      });
      const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
      assert.deepEqual(problem.errors, [
        { path: `/body/${field}`, message: 'is not a known field' },
      ]);
      assert.match(String(problem.detail), new RegExp(`/body/${field}`));
      assert.equal(await count(), before);
    });
  }

  it('PATCH /v1/documents/{id} with an unknown field: 400, the document unchanged', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: `${DOCS}?dedupe=false`,
      headers: writer,
      payload: { text: 'patch me', title: 'Before' },
    });
    assert.equal(created.statusCode, 202, created.body);
    const id = created.json().document.id as string;
    const response = await t.app.inject({
      method: 'PATCH',
      url: `${DOCS}/${id}`,
      headers: writer,
      payload: { title: 'After', tenant_id: 'globex' },
    });
    const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
    assert.deepEqual(problem.errors, [
      { path: '/body/tenant_id', message: 'is not a known field' },
    ]);
    const after = await t.app.inject({ url: `${DOCS}/${id}`, headers: writer });
    assert.equal(after.json().title, 'Before');
  });

  it('a batch item with an unknown field: 400 naming the item and field', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: `${DOCS}/batch`,
      headers: writer,
      payload: { items: [{ text: 'a' }, { text: 'b', titel: 'typo' }] },
    });
    const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
    assert.deepEqual(problem.errors, [
      { path: '/body/items/1/titel', message: 'is not a known field' },
    ]);
  });

  it('rerank (open for Cohere clients) still takes unknown fields, top level and per document', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/rerank',
      headers: t.admin,
      payload: {
        query: 'capital',
        documents: ['the capital city', { text: 'a river', title: 'extra' }],
        return_documents: true,
        truncation: 'END',
        some_future_field: { nested: true },
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().results.length, 2);
  });
});
