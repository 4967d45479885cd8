/**
 * POST /v1/rerank, /v2/rerank and /v1/similarity through HTTP when all goes well: Cohere/Jina
 * request shapes, top_n/top_k, return_documents, empty strings, big requests scored in the worker
 * pool, hybrid fusion with a fake model, and the whole semantic path with a real (tiny, generated)
 * ONNX model configured by QUIRE_RERANK_MODEL_DIR.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { bm25Scores, tfidfCosine } from '../../../../src/domain/bm25.js';
import { TINY_TEST_MODEL, writeTinyModel } from '../../../fixtures/onnx-model.js';
import { buildTestApp, tempDir, type TestApp } from '../../../helpers/app.js';
import {
  appWith,
  appWithModel,
  DOCS,
  FakeModel,
  indexes,
  MODEL_DOCUMENTS as DOCUMENTS,
  post,
  recordingPool,
  rerank,
  rerankModelDocuments,
  SEMANTIC_DOCUMENTS,
  SEMANTIC_TABLE,
  type RerankAnswer,
  type SimilarityAnswer,
} from './setup.js';

describe('POST /v1/rerank, lexical', async () => {
  const { app } = await buildTestApp();

  it('ranks string documents by BM25, best first, ties by index', async () => {
    const answer = await rerank(app, { query: 'cat', documents: DOCS });
    const raw = bm25Scores('cat', DOCS);
    assert.deepEqual(indexes(answer), [2, 0, 1, 3]);
    assert.equal(answer.results[0]?.relevance_score, (raw[2] ?? 0) / ((raw[2] ?? 0) + 1));
    assert.equal(answer.results[3]?.relevance_score, 0);
    assert.equal(answer.results[0]?.document, undefined);
    assert.match(answer.id, /^[0-9a-f-]{36}$/);
    assert.equal(answer.meta.method, 'lexical');
    assert.equal(answer.meta.model, 'bm25');
    assert.equal(answer.meta.degraded, false);
    assert.deepEqual(answer.meta.billed_units, { search_units: 1 });
    assert.equal(typeof answer.meta.took_ms, 'number');
  });

  it('takes {text, id} objects, top_n, top_k and return_documents', async () => {
    const documents = DOCS.map((text, i) => ({ text, id: `d${i}` }));
    const byTopN = await rerank(app, {
      query: 'cat',
      documents,
      top_n: 2,
      return_documents: true,
      model: 'rerank-english-v3.0',
    });
    assert.deepEqual(indexes(byTopN), [2, 0]);
    assert.deepEqual(byTopN.results[0]?.document, { text: DOCS[2] });
    assert.equal(byTopN.meta.requested_model, 'rerank-english-v3.0');
    const byTopK = await rerank(app, { query: 'cat', documents: DOCS, top_k: 1 });
    assert.deepEqual(indexes(byTopK), [2]);
    const clamped = await rerank(app, { query: 'cat', documents: DOCS, top_n: 50 });
    assert.equal(clamped.results.length, DOCS.length);
  });

  it('accepts the fields SDKs send and ignores unknown ones', async () => {
    const answer = await rerank(app, {
      query: 'cat',
      documents: DOCS,
      rank_fields: ['text'],
      max_chunks_per_doc: 10,
      max_tokens_per_doc: 512,
      priority: 0,
      something_new: true,
    });
    assert.equal(answer.results.length, 4);
  });

  it('scores empty documents 0', async () => {
    const answer = await rerank(app, { query: 'cat', documents: ['', 'cat', ''] });
    assert.deepEqual(indexes(answer), [1, 0, 2]);
    assert.equal(answer.results[1]?.relevance_score, 0);
  });

  it('answers the same on the /v2/rerank alias', async () => {
    const response = await post(app, '/v2/rerank', { query: 'cat', documents: DOCS, top_n: 1 });
    assert.equal(response.statusCode, 200);
    const answer = response.json<RerankAnswer>();
    assert.deepEqual(indexes(answer), [2]);
    assert.equal(answer.meta.api_version.version, '2');
  });

  it('scores big requests in the worker pool the same as inline', async () => {
    const { scorer, tasks } = recordingPool();
    // A budget low enough that these ~330,000 characters go to the pool and a tiny request not.
    const pooled = await appWith(
      { lexicalScorer: scorer },
      { QUIRE_RERANK_INLINE_BUDGET_US: '150' },
    );
    const filler = 'lorem ipsum dolor sit amet '.repeat(400); // ~10,800 chars
    const documents = Array.from(
      { length: 30 },
      (_, i) => `${filler} ${'cat '.repeat(i % 5)} ${i}`,
    ); // ~330,000 chars: far over that budget
    const answer = await rerank(pooled, { query: 'cat amet', documents });
    assert.deepEqual(tasks, ['bm25'], 'the big request was not scored in the pool');
    const raw = bm25Scores('cat amet', documents);
    for (const result of answer.results) {
      const score = raw[result.index] ?? 0;
      assert.equal(result.relevance_score, score / (score + 1));
    }
    assert.equal(answer.results[0]?.index, 4);

    const similarity = await post(pooled, '/v1/similarity', {
      source: 'cat amet',
      targets: documents,
    });
    assert.equal(similarity.statusCode, 200, similarity.body);
    assert.deepEqual(tasks, ['bm25', 'cosine'], 'the big similarity was not scored in the pool');
    assert.deepEqual(
      similarity.json<SimilarityAnswer>().scores,
      Array.from(tfidfCosine('cat amet', documents)),
    );

    // Small requests stay on the request thread.
    await rerank(pooled, { query: 'cat', documents: DOCS });
    assert.deepEqual(tasks, ['bm25', 'cosine']);
  });

  it('offloads every request with QUIRE_RERANK_INLINE_BUDGET_US=0', async () => {
    const { scorer, tasks } = recordingPool();
    const pooled = await appWith({ lexicalScorer: scorer }, { QUIRE_RERANK_INLINE_BUDGET_US: '0' });
    const answer = await rerank(pooled, { query: 'cat', documents: DOCS });
    assert.deepEqual(tasks, ['bm25']);
    assert.deepEqual(indexes(answer), [2, 0, 1, 3]);
  });
});

describe('POST /v1/similarity', async () => {
  const { app } = await buildTestApp();

  it('scores targets in target order by TF-IDF cosine', async () => {
    const response = await post(app, '/v1/similarity', {
      source: 'red apple pie',
      targets: ['blue car', 'Red apple pie', 'apple tart', ''],
    });
    assert.equal(response.statusCode, 200, response.body);
    const answer = response.json<SimilarityAnswer>();
    assert.equal(answer.scores.length, 4);
    assert.equal(answer.scores[0], 0);
    assert.ok(Math.abs((answer.scores[1] ?? 0) - 1) < 1e-9);
    assert.ok((answer.scores[2] ?? 0) > 0 && (answer.scores[2] ?? 1) < 1);
    assert.equal(answer.scores[3], 0);
    assert.equal(answer.meta.method, 'lexical');
    assert.equal(answer.meta.model, 'tfidf-cosine');
  });
});

describe('rerank with a semantic model', async () => {
  const documents = SEMANTIC_DOCUMENTS;
  const table = SEMANTIC_TABLE;

  it('defaults to hybrid and fuses the ranks by RRF (k = 60)', async () => {
    const model = new FakeModel('fake-cross', { kind: 'table', scores: table });
    const app = await appWithModel(model);
    const answer = await rerank(app, { query: 'apple', documents });
    // RRF: d0 = 1/61 + 1/62, d2 = 1/63 + 1/61, d1 = 1/62 + 1/63, d3 = 1/64 + 1/64.
    assert.deepEqual(indexes(answer), [0, 2, 1, 3]);
    const best = 2 / 61;
    const expected = [1 / 61 + 1 / 62, 1 / 63 + 1 / 61, 1 / 62 + 1 / 63, 2 / 64];
    answer.results.forEach((result, i) => {
      const fused = expected[i] ?? 0;
      assert.ok(Math.abs(result.relevance_score - fused / best) < 1e-12, `result ${i}`);
    });
    assert.equal(answer.meta.method, 'hybrid');
    assert.equal(answer.meta.model, 'fake-cross+bm25');
    assert.equal(answer.meta.degraded, false);

    const semantic = await rerank(app, { query: 'apple', documents, method: 'semantic' });
    assert.deepEqual(indexes(semantic), [2, 0, 1, 3]);
    assert.equal(semantic.results[0]?.relevance_score, 0.9);
    assert.equal(semantic.meta.model, 'fake-cross');

    const cross = await appWithModel(
      new FakeModel('fake-logits', { kind: 'table', scores: table }, 'cross'),
    );
    const logits = await rerank(cross, { query: 'apple', documents, method: 'semantic' });
    assert.deepEqual(indexes(logits), [2, 0, 1, 3]);
    assert.equal(logits.results[0]?.relevance_score, 1 / (1 + Math.exp(-0.9)));

    const lexical = await rerank(app, { query: 'apple', documents, method: 'lexical' });
    assert.deepEqual(indexes(lexical), [0, 1, 2, 3]);

    const similarity = await post(app, '/v1/similarity', { source: 'apple', targets: documents });
    const scored = similarity.json<SimilarityAnswer>();
    assert.deepEqual(scored.scores, [0.5, 0.4, 0.9, 0]);
    assert.equal(scored.meta.method, 'hybrid');
    assert.equal(scored.meta.degraded, false);
  });
});

describe('rerank with a configured ONNX model (cross-encoder)', () => {
  let t: TestApp;
  before(async () => {
    const dir = join(tempDir(), 'tiny-cross');
    await writeTinyModel(dir, { kind: 'cross', ...TINY_TEST_MODEL });
    t = await buildTestApp({ QUIRE_RERANK_MODEL_DIR: dir, QUIRE_RATE_LIMIT_SEARCH: '100000' });
  });

  it('semantic scores every document with the model, deterministically', async () => {
    const first = await rerankModelDocuments(t, 'semantic');
    assert.equal(first.status, 200, first.body);
    const answer = JSON.parse(first.body) as RerankAnswer;
    assert.equal(answer.meta.method, 'semantic');
    assert.equal(answer.meta.model, 'tiny-cross');
    assert.equal(answer.meta.degraded, false);
    assert.deepEqual(
      [...answer.results.map((r) => r.index)].sort(),
      [0, 1, 2, 3],
      'one result per document',
    );
    assert.ok(answer.results.every((r) => Number.isFinite(r.relevance_score)));
    const again = JSON.parse((await rerankModelDocuments(t, 'semantic')).body) as RerankAnswer;
    assert.deepEqual(again.results, answer.results);
  });

  it('hybrid is the default with a model, and fuses without degrading', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/rerank',
      headers: t.admin,
      payload: { query: 'revenue report', documents: DOCUMENTS, top_n: 2 },
    });
    assert.equal(response.statusCode, 200, response.body);
    const answer = response.json() as RerankAnswer;
    assert.equal(answer.meta.method, 'hybrid');
    assert.equal(answer.meta.degraded, false);
    assert.equal(answer.results.length, 2);
  });
});

describe('similarity with a configured ONNX model (bi-encoder)', () => {
  it('scores each target against the source by cosine, in target order', async () => {
    const dir = join(tempDir(), 'tiny-bi');
    await writeTinyModel(dir, { kind: 'bi', ...TINY_TEST_MODEL });
    const t = await buildTestApp({ QUIRE_RERANK_MODEL_DIR: dir });
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/similarity',
      headers: t.admin,
      payload: { source: DOCUMENTS[0], targets: [DOCUMENTS[0], DOCUMENTS[1]], method: 'semantic' },
    });
    assert.equal(response.statusCode, 200, response.body);
    const { scores } = response.json() as { scores: number[] };
    assert.equal(scores.length, 2);
    assert.ok(Math.abs((scores[0] ?? 0) - 1) < 1e-3, `a text is its own nearest: ${scores[0]}`);
    assert.ok((scores[1] ?? 1) < (scores[0] ?? 0));
  });
});
