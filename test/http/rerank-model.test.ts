/**
 * The whole semantic path through HTTP with a real (generated, tiny) ONNX model configured by
 * QUIRE_RERANK_MODEL_DIR: semantic and hybrid rerank, similarity with a bi-encoder, and a model
 * directory that does not load (the app starts; hybrid degrades, semantic is 503).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { buildTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { assertProblem } from '../helpers/problem.js';
import { TINY_TEST_MODEL, writeTinyModel } from '../fixtures/onnx-model.js';

const DOCUMENTS = [
  'The quarterly report shows revenue growth in every region.',
  'A recipe for sourdough bread with a long cold fermentation.',
  'Revenue grew by twelve percent, the report says, led by exports.',
  '',
];

interface RerankAnswer {
  results: { index: number; relevance_score: number }[];
  meta: { method: string; model: string; degraded: boolean };
}

async function rerank(t: TestApp, method: string): Promise<{ status: number; body: string }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/rerank',
    headers: t.admin,
    payload: { query: 'revenue report', documents: DOCUMENTS, method },
  });
  return { status: response.statusCode, body: response.body };
}

describe('rerank with a configured ONNX model (cross-encoder)', () => {
  let t: TestApp;
  before(async () => {
    const dir = join(tempDir(), 'tiny-cross');
    await writeTinyModel(dir, { kind: 'cross', ...TINY_TEST_MODEL });
    t = await buildTestApp({ QUIRE_RERANK_MODEL_DIR: dir, QUIRE_RATE_LIMIT_SEARCH: '100000' });
  });

  it('semantic scores every document with the model, deterministically', async () => {
    const first = await rerank(t, 'semantic');
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
    const again = JSON.parse((await rerank(t, 'semantic')).body) as RerankAnswer;
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

describe('a model directory that does not load', () => {
  it('the app still starts: hybrid degrades to lexical, semantic answers 503', async () => {
    const dir = join(tempDir(), 'broken');
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(join(dir, 'config.json'), '{}');
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    writeFileSync(join(dir, 'onnx', 'model.onnx'), 'not a model');
    const t = await buildTestApp({ QUIRE_RERANK_MODEL_DIR: dir });
    const hybrid = await rerank(t, 'hybrid');
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
