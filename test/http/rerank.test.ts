/**
 * POST /v1/rerank and POST /v1/similarity through HTTP: Cohere/Jina request shapes, top_n/top_k,
 * return_documents, every limit as a 400 with its path (or 413 for the total, refused before
 * work), empty strings, and the semantic/hybrid rules with no model and with fake models (one
 * that scores deterministically, one that fails, one that never answers before its deadline).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LexicalScoringPool } from '../../src/adapters/pools/lexical-scoring-pool.js';
import { buildApp, type App, type BuildAppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { bm25Scores, tfidfCosine } from '../../src/domain/bm25.js';
import type { LexicalScorer, LexicalTask } from '../../src/ports/lexical-scorer.js';
import {
  ModelUnavailable,
  type InferenceEstimate,
  type ModelUnavailableReason,
  type SemanticModel,
} from '../../src/ports/semantic-model.js';
import { buildTestApp, onCleanup, tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { captureLogs } from '../helpers/logs.js';
import { assertProblem } from '../helpers/problem.js';
import { THREAD_ENTRIES } from '../../src/threads/entry-files.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

interface RerankAnswer {
  id: string;
  results: { index: number; relevance_score: number; document?: { text: string } }[];
  meta: {
    method: string;
    model: string;
    degraded: boolean;
    degraded_reason?: string;
    requested_model?: string;
    took_ms: number;
    billed_units: { search_units: number };
    api_version: { version: string };
  };
}

interface SimilarityAnswer {
  scores: number[];
  meta: { method: string; model: string; degraded: boolean; degraded_reason?: string };
}

/** A test double of the semantic model port. */
class FakeModel implements SemanticModel {
  calls = 0;

  constructor(
    readonly name: string,
    private readonly behaviour:
      | { kind: 'table'; scores: Record<string, number> }
      | { kind: 'fail'; reason: ModelUnavailableReason }
      | { kind: 'hang' },
    /** `bi`: scores pass through as cosines; `cross`: they are logits (rerank applies sigmoid). */
    readonly kind: 'cross' | 'bi' = 'bi',
  ) {}

  private answer(texts: string[], signal: AbortSignal): Promise<number[]> {
    this.calls++;
    const behaviour = this.behaviour;
    if (behaviour.kind === 'fail') {
      return Promise.reject(new ModelUnavailable(behaviour.reason, 'the fake model failed'));
    }
    if (behaviour.kind === 'hang') {
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new ModelUnavailable('deadline', 'aborted'))),
      );
    }
    return Promise.resolve(texts.map((text) => behaviour.scores[text] ?? 0));
  }

  relevance(_query: string, documents: string[], signal: AbortSignal): Promise<number[]> {
    return this.answer(documents, signal);
  }

  similarity(_source: string, targets: string[], signal: AbortSignal): Promise<number[]> {
    return this.answer(targets, signal);
  }

  /** What estimate() answers (the real adapter learns it from its inferences). */
  estimated: InferenceEstimate | undefined;

  estimate(): InferenceEstimate | undefined {
    return this.estimated;
  }

  async close(): Promise<void> {}
}

/** The real app from buildApp, with a semantic model or a lexical scorer injected. */
async function appWith(
  injected: Pick<BuildAppOptions, 'semanticModel' | 'lexicalScorer'>,
  env: Record<string, string> = {},
): Promise<App> {
  const config = loadConfig({
    QUIRE_DATA_DIR: tempDir(),
    QUIRE_LOG_LEVEL: 'warn',
    QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
    QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  const app = await buildApp({ config, logger: captureLogs().logger, ...injected });
  onCleanup(() => app.close());
  return app;
}

async function appWithModel(model: SemanticModel, env: Record<string, string> = {}): Promise<App> {
  return appWith({ semanticModel: model }, env);
}

/** The real lexical scoring pool (its worker entry and all), recording each task it is given. */
function recordingPool(): { scorer: LexicalScorer; tasks: LexicalTask['kind'][] } {
  const pool = new LexicalScoringPool({
    workerFile: THREAD_ENTRIES.lexicalScoring(),
    threads: 1,
    timeoutMs: 30_000,
    heapMb: 256,
    maxQueue: 8,
  });
  onCleanup(() => pool.close());
  const tasks: LexicalTask['kind'][] = [];
  const scorer: LexicalScorer = {
    score(task) {
      tasks.push(task.kind);
      return pool.score(task);
    },
  };
  return { scorer, tasks };
}

async function post(app: App, url: string, payload: unknown) {
  return app.inject({ method: 'POST', url, headers: auth, payload: payload as object });
}

async function rerank(app: App, payload: unknown): Promise<RerankAnswer> {
  const response = await post(app, '/v1/rerank', payload);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<RerankAnswer>();
}

const indexes = (answer: RerankAnswer): number[] => answer.results.map((result) => result.index);

const DOCS = ['the cat sat on the mat', 'dogs and cats', 'a cat, a cat, a CAT', 'nothing here'];

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

  it('answers the same on the /v2/rerank alias', async () => {
    const response = await post(app, '/v2/rerank', { query: 'cat', documents: DOCS, top_n: 1 });
    assert.equal(response.statusCode, 200);
    const answer = response.json<RerankAnswer>();
    assert.deepEqual(indexes(answer), [2]);
    assert.equal(answer.meta.api_version.version, '2');
  });

  it('scores big requests in the worker pool the same as inline', async () => {
    const { scorer, tasks } = recordingPool();
    const pooled = await appWith({ lexicalScorer: scorer });
    const filler = 'lorem ipsum dolor sit amet '.repeat(400); // ~10,800 chars
    const documents = Array.from(
      { length: 30 },
      (_, i) => `${filler} ${'cat '.repeat(i % 5)} ${i}`,
    ); // ~330,000 chars: over the 200,000 offload threshold
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

  it('offloads above QUIRE_RERANK_OFFLOAD_ABOVE_CHARS', async () => {
    const { scorer, tasks } = recordingPool();
    const pooled = await appWith(
      { lexicalScorer: scorer },
      { QUIRE_RERANK_OFFLOAD_ABOVE_CHARS: '20' },
    );
    const answer = await rerank(pooled, { query: 'cat', documents: DOCS });
    assert.deepEqual(tasks, ['bm25']);
    assert.deepEqual(indexes(answer), [2, 0, 1, 3]);
  });

  it('needs credentials with the search scope', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/rerank',
      payload: { query: 'cat', documents: DOCS },
    });
    assertProblem(response, 401, 'UNAUTHENTICATED');
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

describe('rerank with a semantic model', async () => {
  // Lexical order for "apple": d0 (tf 3), d1 (tf 1), then d2 and d3 (0, by index).
  // The fake's semantic order: d2 (0.9), d0 (0.5), d1 (0.4), d3 (0).
  const documents = ['apple apple apple', 'apple pie', 'fruit that grows on trees', 'banana'];
  const table = { [documents[0] ?? '']: 0.5, [documents[1] ?? '']: 0.4, [documents[2] ?? '']: 0.9 };

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
    const started = performance.now();
    const answer = await rerank(app, { query: 'apple', documents });
    assert.ok(performance.now() - started < 2000);
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
