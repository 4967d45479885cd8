/**
 * Hybrid search through HTTP, on SQLite and PostgreSQL, with a REAL bi-encoder (a tiny ONNX
 * export with seeded random weights, test/fixtures/onnx-model.ts) wrapped to count what it is
 * asked to embed.
 *
 * Random weights say nothing about meaning, so the test makes closeness certain instead: the
 * tiny vocabulary is ASCII, so every Greek word is one [UNK] token, and two Greek texts of as
 * many words are the same token sequence — the same embedding, cosine 1 — while sharing no word.
 * A Greek passage is thus found by a Greek query through its stored vector only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openSemanticModel,
  type OnnxSemanticModel,
} from '../../../../src/adapters/onnx/semantic-model.js';
import type { SqlDatabase } from '../../../../src/adapters/sql/database.js';
import {
  ModelUnavailable,
  type InferenceEstimate,
  type SemanticModel,
} from '../../../../src/ports/semantic-model.js';
import { TINY_TEST_MODEL, writeTinyModel } from '../../../fixtures/onnx-model.js';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { DATABASE_TARGETS, type DatabaseFixture } from '../../../helpers/databases.js';
import { submitText, waitForJob } from '../../../helpers/jobs.js';
import { assertProblem } from '../../../helpers/problem.js';

const GUIDE = [
  '# Field guide',
  '',
  '## Lighthouses',
  '',
  'The keeper trims the wick of the lamp every night.',
  '',
  '## Harbours',
  '',
  'Boats shelter behind the breakwater when storms come.',
].join('\n');
/** Three words the model's vocabulary has none of: [CLS] [UNK] [UNK] [UNK] [SEP]. */
const GREEK = 'Λόγος θάλασσα ήλιος';
/** Three other Greek words: no word in common with GREEK, the same embedding. */
const GREEK_QUERY = 'Ουρανός βουνό ποτάμι';

const ENV = {
  QUIRE_WORKER_POLL_MS: '20',
  QUIRE_RATE_LIMIT_READ: '1000000',
  QUIRE_RATE_LIMIT_SEARCH: '1000000',
  QUIRE_RATE_LIMIT_WRITE: '1000000',
  QUIRE_RATE_LIMIT_UPLOAD: '1000000',
};

interface Result {
  document_id: string;
  chunk_id: string;
  page: number;
  heading_path: string[];
  score: number;
  text: string;
  highlights: { start: number; end: number }[];
}
interface Answer {
  results: Result[];
  meta: { method: string; retrieval: string; degraded: boolean };
}

/** The real model, counting the texts of every embed call; `failing` makes embed fail. */
class CountingModel implements SemanticModel {
  readonly embedCalls: number[] = [];
  failing = false;
  readonly name: string;
  constructor(private readonly inner: OnnxSemanticModel) {
    this.name = inner.name;
  }
  get kind(): 'cross' | 'bi' {
    return this.inner.kind;
  }
  relevance(query: string, documents: string[], signal: AbortSignal): Promise<number[]> {
    return this.inner.relevance(query, documents, signal);
  }
  similarity(source: string, targets: string[], signal: AbortSignal): Promise<number[]> {
    return this.inner.similarity(source, targets, signal);
  }
  embed(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    this.embedCalls.push(texts.length);
    if (this.failing) return Promise.reject(new ModelUnavailable('failed', 'injected failure'));
    return this.inner.embed(texts, signal);
  }
  estimate(query: string, documents: string[]): InferenceEstimate | undefined {
    return this.inner.estimate(query, documents);
  }
  /** The test closes the real model once, after every app. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

let modelRoot: string;
let model: OnnxSemanticModel;
before(async () => {
  modelRoot = await mkdtemp(join(tmpdir(), 'quire-hybrid-'));
  await writeTinyModel(join(modelRoot, 'bi-tiny'), { kind: 'bi', ...TINY_TEST_MODEL });
  model = await openSemanticModel({ dir: join(modelRoot, 'bi-tiny') });
});
after(async () => {
  await model?.close();
  await rm(modelRoot, { recursive: true, force: true });
});

async function appOn(
  fixture: DatabaseFixture,
  semanticModel?: SemanticModel,
  env: Record<string, string> = {},
): Promise<TestApp> {
  return buildTestApp(
    { ...ENV, ...(fixture.url === undefined ? {} : { QUIRE_DATABASE_URL: fixture.url }), ...env },
    { database: fixture.database, ...(semanticModel === undefined ? {} : { semanticModel }) },
  );
}

function search(t: TestApp, payload: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: '/v1/search', headers: t.admin, payload });
}

async function answer(t: TestApp, payload: Record<string, unknown>): Promise<Answer> {
  const response = await search(t, payload);
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as Answer;
}

async function chunkIds(t: TestApp, id: string): Promise<string[]> {
  const response = await t.app.inject({ url: `/v1/documents/${id}/chunks`, headers: t.admin });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { data: { id?: string; chunk_id?: string }[] }).data.map(
    (chunk) => chunk.id ?? chunk.chunk_id ?? '',
  );
}

async function storedVectors(database: SqlDatabase, passageIds: string[]): Promise<string[]> {
  if (passageIds.length === 0) return [];
  const rows = await database.db
    .selectFrom('passage_vectors')
    .select('passage_id')
    .where('passage_id', 'in', passageIds)
    .execute();
  return rows.map((row) => row.passage_id).sort();
}

async function ingest(t: TestApp, text: string, filename: string): Promise<string> {
  const submitted = await submitText(t, text, filename);
  const job = await waitForJob(t, submitted.job.id);
  assert.equal(job.status, 'succeeded', JSON.stringify(job));
  return submitted.document.id;
}

/** What must be identical on both databases: order, text, pages, headings, scores, highlights. */
const comparable = (results: Result[]) =>
  results.map((result) => ({
    text: result.text,
    page: result.page,
    heading_path: result.heading_path,
    score: Math.round(result.score * 1e9) / 1e9,
    highlights: result.highlights,
  }));
const seen = new Map<string, unknown>();

for (const target of DATABASE_TARGETS) {
  describe(`POST /v1/search (${target.name}): hybrid retrieval`, () => {
    let fixture: DatabaseFixture;
    let counting: CountingModel;
    let t: TestApp;
    let guideId: string;
    let greekId: string;
    before(async () => {
      fixture = await target.open();
      counting = new CountingModel(model);
      t = await appOn(fixture, counting);
      guideId = await ingest(t, GUIDE, 'guide.md');
      greekId = await ingest(t, GREEK, 'greek.txt');
    });
    after(async () => {
      await t?.app.close();
      await fixture?.dispose();
    });

    it('stores a vector for every passage when indexing, embedding each passage once', async () => {
      const passages = [...(await chunkIds(t, guideId)), ...(await chunkIds(t, greekId))];
      assert.ok(passages.length >= 4, `passages: ${passages.length}`);
      assert.deepEqual(await storedVectors(fixture.database, passages), [...passages].sort());
      assert.equal(
        counting.embedCalls.reduce((sum, texts) => sum + texts, 0),
        passages.length,
        'texts embedded at indexing',
      );
    });

    it('finds by vector a passage sharing no word with the query; lexical does not', async () => {
      const lexical = await answer(t, { query: GREEK_QUERY, retrieval: 'lexical' });
      assert.deepEqual(lexical.meta, { ...lexical.meta, method: 'lexical', degraded: false });
      assert.ok(lexical.results.every((result) => result.document_id !== greekId));

      const hybrid = await answer(t, { query: GREEK_QUERY }); // hybrid by default with a bi-encoder
      assert.equal(hybrid.meta.method, 'hybrid');
      assert.equal(hybrid.meta.retrieval, 'hybrid');
      assert.equal(hybrid.meta.degraded, false);
      const [first] = hybrid.results;
      assert.equal(first?.document_id, greekId);
      assert.equal(first?.text, GREEK);
      assert.deepEqual(first?.highlights, [], 'no query word occurs in it');
      assert.ok((first?.score ?? 0) > 0 && (first?.score ?? 0) <= 1);
      seen.set(`${target.name} greek`, comparable(hybrid.results));
    });

    it('fuses both rankings: a passage first by words and by vector scores highest', async () => {
      const hybrid = await answer(t, { query: 'keeper lamp wick', limit: 5 });
      assert.equal(hybrid.meta.method, 'hybrid');
      assert.match(hybrid.results[0]?.text ?? '', /The keeper trims the wick of the lamp/);
      assert.ok(hybrid.results[0]?.highlights.length === 3);
      const lexical = await answer(t, { query: 'keeper lamp wick', retrieval: 'lexical' });
      assert.ok(hybrid.results.length > lexical.results.length, 'vectors add candidates');
      seen.set(`${target.name} keeper`, comparable(hybrid.results));
      seen.set(
        `${target.name} keeper lexical`,
        comparable(lexical.results).map((r) => r.text),
      );
    });

    it('embeds the query once per search, never the corpus', async () => {
      const before = counting.embedCalls.length;
      await answer(t, { query: 'storms breakwater', retrieval: 'hybrid' });
      await answer(t, {
        query: 'storms breakwater',
        retrieval: 'hybrid',
        rerank: { method: 'lexical' },
      });
      await answer(t, { query: 'storms breakwater', retrieval: 'lexical' });
      assert.deepEqual(counting.embedCalls.slice(before), [1, 1]);
    });

    it('applies the filters to the vectors too', async () => {
      const hybrid = await answer(t, {
        query: GREEK_QUERY,
        filters: { document_ids: [guideId] },
      });
      assert.ok(hybrid.results.length > 0);
      assert.ok(hybrid.results.every((result) => result.document_id === guideId));
    });

    it('refuses an unknown retrieval with 400 problem+json', async () => {
      const response = await search(t, { query: 'lamp', retrieval: 'semantic' });
      assertProblem(response, 400, 'VALIDATION_FAILED');
    });

    it('a deleted document takes its vectors with it', async () => {
      const passages = await chunkIds(t, greekId);
      const gone = await t.app.inject({
        method: 'DELETE',
        url: `/v1/documents/${greekId}`,
        headers: t.admin,
      });
      assert.equal(gone.statusCode, 204, gone.body);
      assert.deepEqual(await storedVectors(fixture.database, passages), []);
      const hybrid = await answer(t, { query: GREEK_QUERY });
      assert.ok(hybrid.results.every((result) => result.document_id !== greekId));
    });
  });

  describe(`POST /v1/search (${target.name}): hybrid without a usable model`, () => {
    let fixture: DatabaseFixture;
    const apps: TestApp[] = [];
    before(async () => {
      fixture = await target.open();
    });
    after(async () => {
      for (const app of apps) await app.app.close();
      await fixture?.dispose();
    });

    it('without a model: lexical by default, and degraded when hybrid is asked', async () => {
      const t = await appOn(fixture);
      apps.push(t);
      await ingest(t, GUIDE, 'guide.md');
      const plain = await answer(t, { query: 'keeper' });
      assert.deepEqual(plain.meta, { ...plain.meta, method: 'lexical', retrieval: 'lexical' });
      assert.equal(plain.meta.degraded, false);
      const asked = await answer(t, { query: 'keeper', retrieval: 'hybrid' });
      assert.equal(asked.meta.method, 'lexical');
      assert.equal(asked.meta.retrieval, 'lexical');
      assert.equal(asked.meta.degraded, true);
      assert.deepEqual(comparable(asked.results), comparable(plain.results));
      const metrics = await t.app.inject({ url: '/metrics', headers: t.admin });
      assert.match(metrics.body, /search_degraded_total\{reason="missing"\} 1/);
      // Apps on one database share its job queue: only one may take jobs at a time.
      await t.app.close();
    });

    it('a model failing at indexing leaves the document searchable lexically; the re-index at the next start fills its vectors', async () => {
      const counting = new CountingModel(model);
      counting.failing = true;
      const first = await appOn(fixture, counting);
      apps.push(first);
      const greekId = await ingest(first, `${GREEK} lantern`, 'greek.txt');
      const passages = await chunkIds(first, greekId);
      assert.deepEqual(await storedVectors(fixture.database, passages), []);
      const lexical = await answer(first, { query: 'lantern' });
      assert.equal(lexical.results[0]?.document_id, greekId, 'found by its words');
      const degraded = await answer(first, { query: GREEK_QUERY });
      assert.equal(degraded.meta.degraded, true, 'the query cannot be embedded either');
      const metrics = await first.app.inject({ url: '/metrics', headers: first.admin });
      assert.match(metrics.body, /passage_embeddings_total\{outcome="missing"\} [1-9]/);
      await first.app.close();

      counting.failing = false;
      const second = await appOn(fixture, counting);
      apps.push(second);
      await second.app.ready(); // the background workers, the re-index among them, start here
      let stored: string[] = [];
      for (let attempt = 0; attempt < 400 && stored.length < passages.length; attempt++) {
        stored = await storedVectors(fixture.database, passages);
        if (stored.length < passages.length) await new Promise((done) => setTimeout(done, 50));
      }
      assert.deepEqual(stored, [...passages].sort(), 'filled by the re-index at start');
      // No word of the query is in the index: what hybrid finds, it finds by vector.
      const hybrid = await answer(second, { query: GREEK_QUERY });
      assert.equal(hybrid.meta.method, 'hybrid');
      assert.ok(hybrid.results.some((result) => result.document_id === greekId));
    });
  });
}

describe('POST /v1/search: hybrid results are identical on SQLite and PostgreSQL', () => {
  it('answers the same passages, order, scores and highlights', () => {
    for (const query of ['greek', 'keeper', 'keeper lexical']) {
      const sqlite = seen.get(`sqlite ${query}`);
      assert.ok(sqlite !== undefined, `the SQLite suite ran "${query}"`);
      assert.deepEqual(seen.get(`postgres ${query}`), sqlite, query);
    }
  });
});
