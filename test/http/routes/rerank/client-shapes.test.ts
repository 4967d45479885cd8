/**
 * What other APIs' clients send, through HTTP: `null` for optional fields of rerank, similarity and
 * search (as the Cohere, Jina and OpenAI clients send an unset parameter) taken as absent, while
 * a required field's null is still a 400, and the OpenAPI document saying which fields are
 * nullable; `model` names (Quire's own choose the method, Cohere/Jina names are answered by the
 * server's scorer, anything else 400 UNKNOWN_MODEL listing the names); and POST /rerank in the
 * shape of text-embeddings-inference (TEI) — no JavaScript TEI client exists on npm, so these
 * tests send TEI's documented wire shape — with the auth and rate limit of /v1/rerank.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import {
  appWithModel,
  auth,
  DOCS,
  FakeModel,
  indexes,
  post,
  rerank,
  SEMANTIC_DOCUMENTS,
  SEMANTIC_TABLE,
  type RerankAnswer,
  type SimilarityAnswer,
} from './setup.js';

/** Every optional rerank field as the Cohere v1 client sends it when the caller left it unset. */
const RERANK_NULLS = {
  top_n: null,
  top_k: null,
  return_documents: null,
  method: null,
  model: null,
  rank_fields: null,
  max_chunks_per_doc: null,
  max_tokens_per_doc: null,
  priority: null,
};

describe('null means absent for optional fields', async () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  it('rerank: every optional field null answers as if absent', async () => {
    const withNulls = await rerank(t.app, { query: 'cat', documents: DOCS, ...RERANK_NULLS });
    const without = await rerank(t.app, { query: 'cat', documents: DOCS });
    assert.deepEqual(indexes(withNulls), indexes(without));
    assert.deepEqual(indexes(withNulls), [2, 0, 1, 3]);
    assert.equal(withNulls.results[0]?.document, undefined, 'return_documents defaulted to false');
    assert.equal(withNulls.meta.requested_model, undefined);
    const objects = await rerank(t.app, {
      query: 'cat',
      documents: DOCS.map((text) => ({ text, id: null })),
      top_n: 2,
    });
    assert.deepEqual(indexes(objects), [2, 0]);
  });

  it('rerank: a required field or a list item that is null is still a 400', async () => {
    for (const [payload, path] of [
      [{ query: null, documents: DOCS }, '/body/query'],
      [{ query: 'cat', documents: null }, '/body/documents'],
      [{ query: 'cat', documents: ['a', null] }, /^\/body\/documents\/1/],
      [{ query: 'cat', documents: [{ text: null }] }, /^\/body\/documents\/0/],
    ] as const) {
      const body = assertProblem(
        await post(t.app, '/v1/rerank', payload),
        400,
        'VALIDATION_FAILED',
      );
      const errors = body.errors as { path: string }[];
      assert.ok(
        errors.some((error) =>
          typeof path === 'string' ? error.path === path : path.test(error.path),
        ),
        `${JSON.stringify(payload)}: ${JSON.stringify(errors)}`,
      );
    }
    // A wrong type is still wrong: null is the only new value accepted.
    assertProblem(
      await post(t.app, '/v1/rerank', { query: 'cat', documents: DOCS, top_n: 'two' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('similarity: method and model null answer as if absent; source null is a 400', async () => {
    const response = await post(t.app, '/v1/similarity', {
      source: 'cat',
      targets: DOCS,
      method: null,
      model: null,
    });
    assert.equal(response.statusCode, 200, response.body);
    const answer = response.json<SimilarityAnswer>();
    assert.equal(answer.scores.length, DOCS.length);
    assert.equal(answer.meta.method, 'lexical');
    assertProblem(
      await post(t.app, '/v1/similarity', { source: null, targets: DOCS }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('search: null limit, filters and rerank (and nested fields) answer as if absent', async () => {
    const text = await t.app.inject({
      method: 'POST',
      url: '/v1/documents',
      headers: auth,
      payload: { text: 'The pelican flies over the harbour at dawn.', title: 'birds' },
    });
    assert.equal(text.statusCode, 202, text.body);
    const documentId = text.json<{ document: { id: string } }>().document.id;
    // The embedded worker extracts it; search sees ready documents only.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const document = await t.app.inject({
        method: 'GET',
        url: `/v1/documents/${documentId}`,
        headers: auth,
      });
      if (document.json<{ status: string }>().status === 'ready') break;
      assert.ok(Date.now() < deadline, `document not ready in 20 s: ${document.body}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const search = (payload: unknown) => post(t.app, '/v1/search', payload);
    for (const payload of [
      { query: 'pelican', limit: null, filters: null, rerank: null },
      {
        query: 'pelican',
        filters: { document_ids: null, tags: null, media_type: null },
        rerank: { method: 'lexical', top_n: null },
      },
    ]) {
      const response = await search(payload);
      assert.equal(response.statusCode, 200, `${JSON.stringify(payload)}: ${response.body}`);
      const results = response.json<{ results: { document_id: string }[] }>().results;
      assert.deepEqual(
        results.map((result) => result.document_id),
        [documentId],
      );
    }
    assertProblem(await search({ query: null }), 400, 'VALIDATION_FAILED');
    assertProblem(
      await search({ query: 'pelican', rerank: { method: null } }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('the OpenAPI document marks exactly those optional fields nullable', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    const document = response.json<{
      paths: Record<string, { post?: { requestBody?: { content: Record<string, unknown> } } }>;
    }>();
    const bodySchema = (path: string) => {
      const content = document.paths[path]?.post?.requestBody?.content['application/json'] as
        | {
            schema: {
              properties: Record<string, { anyOf?: { type?: string }[] }>;
              required: string[];
            };
          }
        | undefined;
      assert.ok(content, `${path} has a JSON body`);
      return content.schema;
    };
    const nullable = (property: { anyOf?: { type?: string }[] } | undefined) =>
      property?.anyOf?.some((branch) => branch.type === 'null') === true;
    for (const [path, optional, required] of [
      ['/v1/rerank', Object.keys(RERANK_NULLS), ['query', 'documents']],
      ['/v1/similarity', ['method', 'model'], ['source', 'targets']],
      ['/v1/search', ['limit', 'filters', 'rerank'], ['query']],
      ['/rerank', ['return_text', 'raw_scores', 'truncate'], ['query', 'texts']],
    ] as const) {
      const schema = bodySchema(path);
      for (const name of optional) assert.ok(nullable(schema.properties[name]), `${path} ${name}`);
      for (const name of required) {
        assert.ok(schema.required.includes(name), `${path} requires ${name}`);
        assert.ok(!nullable(schema.properties[name]), `${path} ${name} is not nullable`);
      }
    }
    // The default stays on the field itself, where generators (and ajv) look for it.
    const limit = bodySchema('/v1/search').properties['limit'] as { default?: number };
    assert.equal(limit.default, 10);
  });
});

describe('model names', async () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  it('Cohere and Jina model names are answered by the server’s scorer and echoed', async () => {
    for (const model of [
      'rerank-english-v3.0',
      'rerank-v3.5',
      'rerank-multilingual-v2.0',
      'jina-reranker-v2-base-multilingual',
    ]) {
      const answer = await rerank(t.app, { query: 'cat', documents: DOCS, model });
      assert.deepEqual(indexes(answer), [2, 0, 1, 3], model);
      assert.equal(answer.meta.model, 'bm25');
      assert.equal(answer.meta.requested_model, model);
    }
  });

  it('an unknown model is 400 UNKNOWN_MODEL naming it and listing the names taken', async () => {
    for (const url of ['/v1/rerank', '/v2/rerank']) {
      const response = await post(t.app, url, { query: 'cat', documents: DOCS, model: 'gpt-4o' });
      const problem = assertProblem(response, 400, 'UNKNOWN_MODEL');
      const detail = String(problem.detail);
      assert.match(detail, /"gpt-4o"/);
      assert.match(detail, /"bm25"/);
      assert.match(detail, /"rerank-"/);
      assert.match(detail, /"jina-reranker-"/);
    }
    const similarity = await post(t.app, '/v1/similarity', {
      source: 'cat',
      targets: DOCS,
      model: 'text-embedding-3-small',
    });
    assertProblem(similarity, 400, 'UNKNOWN_MODEL');
  });

  it('Quire’s own names choose the method; one that contradicts `method` is a 400', async () => {
    const model = new FakeModel('tiny-cross', { kind: 'table', scores: SEMANTIC_TABLE });
    const app = await appWithModel(model);
    const byModel = async (name: string): Promise<RerankAnswer> =>
      rerank(app, { query: 'apple', documents: SEMANTIC_DOCUMENTS, model: name });
    const lexical = await byModel('bm25');
    assert.equal(lexical.meta.method, 'lexical');
    assert.deepEqual(indexes(lexical), [0, 1, 2, 3]);
    const semantic = await byModel('tiny-cross');
    assert.equal(semantic.meta.method, 'semantic');
    assert.deepEqual(indexes(semantic), [2, 0, 1, 3]);
    assert.equal((await byModel('tiny-cross+bm25')).meta.method, 'hybrid');
    // Without a name, the server's default (hybrid with a model).
    assert.equal((await byModel('rerank-v3.5')).meta.method, 'hybrid');
    const similarity = await post(app, '/v1/similarity', {
      source: 'apple',
      targets: SEMANTIC_DOCUMENTS,
      model: 'tfidf-cosine',
    });
    assert.equal(similarity.json<SimilarityAnswer>().meta.method, 'lexical');
    const contradiction = await post(app, '/v1/rerank', {
      query: 'apple',
      documents: SEMANTIC_DOCUMENTS,
      model: 'bm25',
      method: 'semantic',
    });
    const problem = assertProblem(contradiction, 400, 'VALIDATION_FAILED');
    assert.deepEqual(
      (problem.errors as { path: string }[]).map((error) => error.path),
      ['/body/method'],
    );
    // The configured model's name is not taken by a server without it.
    assertProblem(
      await post(t.app, '/v1/rerank', { query: 'a', documents: DOCS, model: 'tiny-cross' }),
      400,
      'UNKNOWN_MODEL',
    );
  });
});

describe('POST /rerank (text-embeddings-inference shape)', async () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ QUIRE_RATE_LIMIT_SEARCH: '5' });
  });

  type TeiAnswer = { index: number; score: number; text?: string }[];

  it('answers [{index, score}] for every text, best first, with text when asked', async () => {
    const response = await post(t.app, '/rerank', { query: 'cat', texts: DOCS, truncate: true });
    assert.equal(response.statusCode, 200, response.body);
    const answer = response.json<TeiAnswer>();
    assert.deepEqual(
      answer.map((result) => result.index),
      [2, 0, 1, 3],
    );
    for (const result of answer) {
      assert.deepEqual(Object.keys(result).sort(), ['index', 'score']);
      assert.ok(result.score >= 0 && result.score < 1);
    }
    const cohere = await rerank(t.app, { query: 'cat', documents: DOCS });
    assert.deepEqual(
      answer.map((result) => result.score),
      cohere.results.map((result) => result.relevance_score),
      'the same scores as /v1/rerank',
    );

    const withText = await post(t.app, '/rerank', {
      query: 'cat',
      texts: DOCS,
      return_text: true,
      raw_scores: true,
      truncation_direction: 'Right',
    });
    assert.equal(withText.statusCode, 200, withText.body);
    const raw = withText.json<TeiAnswer>();
    assert.equal(raw[0]?.text, DOCS[2]);
    assert.ok((raw[0]?.score ?? 0) > 1, `raw BM25 score, not 0–1: ${raw[0]?.score}`);
    assert.equal(raw[3]?.score, 0);
  });

  it('needs credentials, validates its body and shares the search rate limit', async () => {
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/rerank',
      payload: { query: 'cat', texts: DOCS },
    });
    assertProblem(anonymous, 401, 'UNAUTHENTICATED');
    assertProblem(
      await post(t.app, '/rerank', { query: 'cat', texts: [] }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(await post(t.app, '/rerank', { query: 'cat' }), 400, 'VALIDATION_FAILED');
    // The limit (5 a minute) is spent by now across /rerank and /v1/rerank.
    let last = await post(t.app, '/rerank', { query: 'cat', texts: DOCS });
    for (let i = 0; i < 5 && last.statusCode !== 429; i++) {
      assert.equal(last.headers['ratelimit-limit'], '5');
      last = await post(t.app, '/v1/rerank', { query: 'cat', documents: DOCS });
    }
    assertProblem(last, 429, 'RATE_LIMITED');
    assertProblem(await post(t.app, '/rerank', { query: 'cat', texts: DOCS }), 429, 'RATE_LIMITED');
  });
});
