/**
 * POST /v1/rerank and /v1/similarity through HTTP refused or degraded: every limit as a 400 with
 * its path (or 413 for the total, refused before work); no model configured (hybrid degrades to
 * lexical, semantic is 503); a model that fails, misses its deadline or is too busy; a model
 * directory that does not load; and a real model cut off mid-inference.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TINY_TEST_MODEL, writeTinyModel } from '../../../fixtures/onnx-model.js';
import { buildTestApp, tempDir } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import {
  appWithModel,
  auth,
  DOCS,
  FakeModel,
  indexes,
  post,
  rerank,
  rerankModelDocuments,
  SEMANTIC_DOCUMENTS,
  SEMANTIC_TABLE,
  type RerankAnswer,
  type SimilarityAnswer,
} from './setup.js';

describe('POST /v1/rerank without a model', async () => {
  const { app } = await buildTestApp();

  it('answers hybrid without a model lexically, marked degraded', async () => {
    const answer = await rerank(app, { query: 'cat', documents: DOCS, method: 'hybrid' });
    assert.deepEqual(indexes(answer), [2, 0, 1, 3]);
    assert.equal(answer.meta.degraded, true);
    assert.equal(answer.meta.degraded_reason, 'missing');
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /rerank_degraded_total\{reason="missing"\} [1-9]/);
  });

  it('answers semantic without a model 503 MODEL_UNAVAILABLE', async () => {
    const response = await post(app, '/v1/rerank', {
      query: 'cat',
      documents: DOCS,
      method: 'semantic',
    });
    assertProblem(response, 503, 'MODEL_UNAVAILABLE');
  });
});

describe('POST /v1/rerank, limits', async () => {
  const { app } = await buildTestApp();

  const invalid = async (payload: unknown, path: string | RegExp): Promise<void> => {
    const response = await post(app, '/v1/rerank', payload);
    const body = assertProblem(response, 400, 'VALIDATION_FAILED');
    const errors = body.errors as { path: string }[];
    assert.ok(
      errors.some((error) =>
        typeof path === 'string' ? error.path === path : path.test(error.path),
      ),
      `an error at ${String(path)}: ${JSON.stringify(errors)}`,
    );
  };

  it('refuses 0 and 1001 documents', async () => {
    await invalid({ query: 'q', documents: [] }, '/body/documents');
    await invalid({ query: 'q', documents: Array(1001).fill('x') }, '/body/documents');
  });

  it('refuses an empty, missing or too long query', async () => {
    await invalid({ query: '', documents: ['x'] }, '/body/query');
    await invalid({ documents: ['x'] }, '/body/query');
    await invalid({ query: 'q'.repeat(4097), documents: ['x'] }, '/body/query');
  });

  it('refuses a too long document, as a string or an object', async () => {
    const long = 'a'.repeat(50_001);
    await invalid({ query: 'q', documents: ['ok', long] }, '/body/documents/1');
    await invalid({ query: 'q', documents: [{ text: long }] }, /^\/body\/documents\/0/);
    await invalid({ query: 'q', documents: [{ id: 'no text' }] }, /^\/body\/documents\/0/);
  });

  it('refuses bad top_n, top_k, method and return_documents', async () => {
    await invalid({ query: 'q', documents: ['x'], top_n: 0 }, '/body/top_n');
    await invalid({ query: 'q', documents: ['x'], top_k: 1001 }, '/body/top_k');
    await invalid({ query: 'q', documents: ['x', 'y'], top_n: 1, top_k: 2 }, '/body/top_k');
    await invalid({ query: 'q', documents: ['x'], method: 'magic' }, '/body/method');
    await invalid(
      { query: 'q', documents: ['x'], return_documents: 'yes' },
      '/body/return_documents',
    );
  });

  it('refuses texts over 5,000,000 characters in total with 413 before scoring', async () => {
    const documents = Array<string>(101).fill('word '.repeat(10_000)); // 5,050,000 chars
    const started = performance.now();
    const response = await post(app, '/v1/rerank', { query: 'word', documents });
    assertProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    assert.ok(performance.now() - started < 3000, 'refused fast');
  });

  it('refuses 1000 documents of 50,000 characters (a 50 MB body) fast, unread', async () => {
    const payload = JSON.stringify({ query: 'q', documents: Array(1000).fill('a'.repeat(50_000)) });
    const started = performance.now();
    const response = await app.inject({
      method: 'POST',
      url: '/v1/rerank',
      headers: { ...auth, 'content-type': 'application/json' },
      payload,
    });
    assertProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    assert.ok(performance.now() - started < 3000, 'refused fast');
  });
});

describe('POST /v1/similarity refused, or without a model', async () => {
  const { app } = await buildTestApp();

  it('answers hybrid without a model lexically (degraded), semantic with 503', async () => {
    const hybrid = await post(app, '/v1/similarity', {
      source: 'a',
      targets: ['a'],
      method: 'hybrid',
    });
    assert.equal(hybrid.json<SimilarityAnswer>().meta.degraded, true);
    const semantic = await post(app, '/v1/similarity', {
      source: 'a',
      targets: ['a'],
      method: 'semantic',
    });
    assertProblem(semantic, 503, 'MODEL_UNAVAILABLE');
  });

  it('refuses bad input with paths', async () => {
    const cases: [unknown, string][] = [
      [{ source: 'a', targets: [] }, '/body/targets'],
      [{ source: 'a', targets: Array(1001).fill('x') }, '/body/targets'],
      [{ source: '', targets: ['x'] }, '/body/source'],
      [{ source: 'a', targets: ['x', 'b'.repeat(50_001)] }, '/body/targets/1'],
    ];
    for (const [payload, path] of cases) {
      const body = assertProblem(
        await post(app, '/v1/similarity', payload),
        400,
        'VALIDATION_FAILED',
      );
      const errors = body.errors as { path: string }[];
      assert.ok(
        errors.some((error) => error.path === path),
        JSON.stringify(errors),
      );
    }
    const tooMuch = await post(app, '/v1/similarity', {
      source: 'a',
      targets: Array<string>(101).fill('x'.repeat(50_000)),
    });
    assertProblem(tooMuch, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('rerank with a semantic model that fails', async () => {
  const documents = SEMANTIC_DOCUMENTS;
  const table = SEMANTIC_TABLE;

  it('degrades hybrid to lexical when the model fails; semantic answers 503', async () => {
    const model = new FakeModel('broken', { kind: 'fail', reason: 'failed' });
    const app = await appWithModel(model);
    const answer = await rerank(app, { query: 'apple', documents, method: 'hybrid' });
    assert.deepEqual(indexes(answer), [0, 1, 2, 3]);
    assert.equal(answer.meta.degraded, true);
    assert.equal(answer.meta.degraded_reason, 'failed');
    assert.equal(answer.meta.model, 'bm25');
    const semantic = await post(app, '/v1/rerank', {
      query: 'apple',
      documents,
      method: 'semantic',
    });
    assertProblem(semantic, 503, 'MODEL_UNAVAILABLE');
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /rerank_degraded_total\{reason="failed"\} 1/);
  });

  it('degrades hybrid when the model misses the deadline; semantic answers 503', async () => {
    const model = new FakeModel('slow', { kind: 'hang' });
    const app = await appWithModel(model, { QUIRE_RERANK_DEADLINE_MS: '50' });
    // The model never answers: only the deadline can end this request (else the test times out),
    // and `degraded_reason: deadline` says it did. No wall-clock bound: on a loaded machine the
    // answer's time says more about the scheduler than about the deadline.
    const answer = await rerank(app, { query: 'apple', documents });
    assert.equal(answer.meta.method, 'hybrid');
    assert.equal(answer.meta.degraded, true);
    assert.equal(answer.meta.degraded_reason, 'deadline');
    assert.deepEqual(indexes(answer), [0, 1, 2, 3]);
    const semantic = await post(app, '/v1/rerank', {
      query: 'apple',
      documents,
      method: 'semantic',
    });
    const problem = assertProblem(semantic, 503, 'MODEL_UNAVAILABLE');
    assert.match(String(problem.detail), /50 ms/);
    const similarity = await post(app, '/v1/similarity', {
      source: 'apple',
      targets: documents,
      method: 'hybrid',
    });
    assert.equal(similarity.json<SimilarityAnswer>().meta.degraded_reason, 'deadline');
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /rerank_degraded_total\{reason="deadline"\} 2/);
  });

  it('does not call a model whose queue cannot finish before the deadline (busy)', async () => {
    const model = new FakeModel('queued', { kind: 'table', scores: table });
    const app = await appWithModel(model, { QUIRE_RERANK_DEADLINE_MS: '1000' });
    // Work ahead, and this request's own inference, past the 1000 ms deadline: declined.
    model.estimated = { waitMs: 900, runMs: 200 };
    const answer = await rerank(app, { query: 'apple', documents });
    assert.equal(answer.meta.degraded, true);
    assert.equal(answer.meta.degraded_reason, 'busy');
    assert.deepEqual(indexes(answer), [0, 1, 2, 3]);
    const semantic = await post(app, '/v1/rerank', {
      query: 'apple',
      documents,
      method: 'semantic',
    });
    const problem = assertProblem(semantic, 503, 'MODEL_UNAVAILABLE');
    assert.match(String(problem.detail), /busy/);
    assert.equal(semantic.headers['retry-after'], '1');
    const similarity = await post(app, '/v1/similarity', { source: 'apple', targets: documents });
    assert.equal(similarity.json<SimilarityAnswer>().meta.degraded_reason, 'busy');
    assert.equal(model.calls, 0, 'the model was called');
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /rerank_degraded_total\{reason="busy"\} 2/);

    // Within the deadline, or idle (a request alone is always tried): called.
    model.estimated = { waitMs: 500, runMs: 200 };
    assert.equal((await rerank(app, { query: 'apple', documents })).meta.degraded, false);
    model.estimated = { waitMs: 0, runMs: 5000 };
    assert.equal((await rerank(app, { query: 'apple', documents })).meta.degraded, false);
    assert.equal(model.calls, 2);
  });
});

describe('a model directory that does not load', () => {
  it('the app still starts: hybrid degrades to lexical, semantic answers 503', async () => {
    const dir = join(tempDir(), 'broken');
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(join(dir, 'config.json'), '{}');
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    writeFileSync(join(dir, 'onnx', 'model.onnx'), 'not a model');
    const t = await buildTestApp({ QUIRE_RERANK_MODEL_DIR: dir });
    const hybrid = await rerankModelDocuments(t, 'hybrid');
    assert.equal(hybrid.status, 200, hybrid.body);
    assert.equal((JSON.parse(hybrid.body) as RerankAnswer).meta.degraded, true);
    const semantic = await t.app.inject({
      method: 'POST',
      url: '/v1/rerank',
      headers: t.admin,
      payload: { query: 'q', documents: ['a'], method: 'semantic' },
    });
    assertProblem(semantic, 503, 'MODEL_UNAVAILABLE');
    const metrics = await t.app.inject({ url: '/metrics' });
    assert.match(metrics.body, /rerank_degraded_total\{reason="[a-z_]+"\} [1-9]/);
  });
});

describe('a real model past its deadline', () => {
  it('hybrid answers lexically while inference is cut off, and the server keeps serving', async () => {
    const dir = join(tempDir(), 'tiny-slow');
    await writeTinyModel(dir, { kind: 'cross', ...TINY_TEST_MODEL });
    const t = await buildTestApp({
      QUIRE_RERANK_MODEL_DIR: dir,
      QUIRE_RERANK_DEADLINE_MS: '10',
      QUIRE_RATE_LIMIT_SEARCH: '100000',
    });
    // 300 documents of 200 words take the tiny model far longer than 10 ms: every request that
    // reaches the model is cut off mid-inference.
    const words = 'revenue report region bread fermentation exports growth'.split(' ');
    const documents = Array.from({ length: 300 }, (_, i) =>
      Array.from({ length: 200 }, (_, w) => words[(i + w * 3) % words.length]).join(' '),
    );
    const reasons: string[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/rerank',
        headers: t.admin,
        payload: { query: `revenue report ${i}`, documents, method: 'hybrid', top_n: 3 },
      });
      assert.equal(response.statusCode, 200, response.body);
      const meta = (response.json() as { meta: RerankAnswer['meta'] & { degraded_reason: string } })
        .meta;
      assert.equal(meta.degraded, true);
      assert.equal(meta.model, 'bm25');
      reasons.push(meta.degraded_reason);
    }
    assert.equal(reasons[0], 'deadline');
    // Later ones miss the deadline too, are declined while a cancelled batch still runs (busy),
    // or find the breaker open after 5 misses: whichever, lexically and at once.
    for (const reason of reasons) assert.ok(['deadline', 'busy', 'open_circuit'].includes(reason));
    const live = await t.app.inject({ url: '/livez' });
    assert.equal(live.statusCode, 200);
  });
});
