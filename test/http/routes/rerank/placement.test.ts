/**
 * Where lexical rerank runs, through HTTP: the cost model (rates measured at start-up) keeps a
 * tiny request and issue 13's workload (100 documents × 200 words, 5 query words) on the event
 * loop under a budget between their estimates (bench:rerank shows the default's placement), and
 * sends a request whose scoring dominates (100 documents × 1,000 words, 40 query words)
 * to the worker pool, cut into slices across its free threads; the answers are the same whichever way
 * they were scored; a pool thread that dies mid-task gives a clean 503, never a hang.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { uniformWorkload } from '../../../../bench/lib/rerank-scenarios.js';
import { calibratedLexicalCost } from '../../../../src/domain/lexical-cost.js';
import { CRASH_MARKER } from '../../../fixtures/crashing-lexical-scoring.js';
import { assertProblem } from '../../../helpers/problem.js';
import { appWith, DOCS, post, recordingPool, type RerankAnswer } from './setup.js';

const CRASHING_WORKER = fileURLToPath(
  new URL('../../../fixtures/crashing-lexical-scoring.ts', import.meta.url),
);

/** Issue 13's rerank body: 100 documents × 200 uniformly drawn words, every result. */
const UNIFORM = JSON.parse(uniformWorkload(100, 200).body) as {
  query: string;
  documents: string[];
};
/** Scoring that outweighs the request's other work: 40 query words over ~675k characters. */
const MANY_TERMS = ((): { query: string; documents: string[] } => {
  const { documents } = JSON.parse(uniformWorkload(100, 1000).body) as { documents: string[] };
  const query = documents
    .slice(0, 40)
    .map((text) => text.split(' ')[3])
    .join(' ');
  return { query, documents };
})();
/** The same with accented words, so the non-ASCII tokenizer path is compared too. */
const ACCENTED = {
  query: `${UNIFORM.query} Café`,
  documents: UNIFORM.documents.map((text, i) => (i % 3 === 0 ? text.replace(/e/g, 'é') : text)),
};

async function lexicalTasks(app: Awaited<ReturnType<typeof appWith>>): Promise<{
  inline: number;
  pool: number;
}> {
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  const count = (where: string): number =>
    Number(
      new RegExp(`rerank_lexical_tasks_total\\{where="${where}"\\} (\\d+)`).exec(
        metrics.body,
      )?.[1] ?? 0,
    );
  return { inline: count('inline'), pool: count('pool') };
}

describe('lexical rerank placement', { timeout: 60_000 }, () => {
  it('scores issue 13 and a tiny request inline, many-term scoring in the pool, by the cost model', async () => {
    // The rates are measured when this process first needs them, so on a loaded machine every
    // estimate is higher: the budget is set between the two bodies' estimates, as the app's own
    // cost model (the same measurement, kept for the process) makes them, not at a fixed 2,000 µs.
    const cost = calibratedLexicalCost();
    const estimate = (body: { query: string; documents: string[] }): number =>
      cost.estimateUs({ kind: 'bm25', ...body, params: { k1: 1.2, b: 0.75 } });
    const light = estimate(UNIFORM);
    const heavy = estimate(MANY_TERMS);
    assert.ok(heavy > 5 * light, `many-term scoring (${heavy} µs) is not dearer than ${light} µs`);
    const budget = Math.round(Math.sqrt(light * heavy));
    const app = await appWith({}, { QUIRE_RERANK_INLINE_BUDGET_US: String(budget) });
    const uniform = await post(app, '/v1/rerank', UNIFORM);
    assert.equal(uniform.statusCode, 200, uniform.body);
    assert.deepEqual(await lexicalTasks(app), { inline: 1, pool: 0 });
    const tiny = await post(app, '/v1/rerank', { query: 'cat', documents: DOCS });
    assert.equal(tiny.statusCode, 200, tiny.body);
    assert.deepEqual(await lexicalTasks(app), { inline: 2, pool: 0 });
    const manyTerms = await post(app, '/v1/rerank', MANY_TERMS);
    assert.equal(manyTerms.statusCode, 200, manyTerms.body);
    assert.deepEqual(await lexicalTasks(app), { inline: 2, pool: 1 });
  });

  it('answers the same scores and order inline (pool disabled) and pooled, split or not', async () => {
    const inline = await appWith({}, { QUIRE_RERANK_POOL_THREADS: '0' });
    const split = recordingPool(2);
    const pooled = await appWith(
      { lexicalScorer: split.scorer },
      { QUIRE_RERANK_INLINE_BUDGET_US: '0' },
    );
    const whole = recordingPool(1);
    const pooledWhole = await appWith(
      { lexicalScorer: whole.scorer },
      { QUIRE_RERANK_INLINE_BUDGET_US: '0' },
    );
    for (const body of [UNIFORM, ACCENTED, { ...UNIFORM, top_n: 7, return_documents: true }]) {
      const answers = [];
      for (const app of [inline, pooled, pooledWhole]) {
        const response = await post(app, '/v1/rerank', body);
        assert.equal(response.statusCode, 200, response.body);
        answers.push(response.json<RerankAnswer>().results);
      }
      assert.equal(answers[0]?.length, body === UNIFORM || body === ACCENTED ? 100 : 7);
      assert.ok((answers[0]?.[0]?.relevance_score ?? 0) > 0, 'nothing matched: a vacuous check');
      assert.deepEqual(answers[1], answers[0], 'split across threads differs from inline');
      assert.deepEqual(answers[2], answers[0], 'one pool task differs from inline');
    }
    assert.deepEqual(await lexicalTasks(inline), { inline: 3, pool: 0 });
    assert.deepEqual(split.tasks, Array(6).fill('bm25-counts'), 'not split across both threads');
    assert.deepEqual(whole.tasks, ['bm25', 'bm25', 'bm25']);

    const similarity = { source: UNIFORM.query, targets: ACCENTED.documents.slice(0, 40) };
    const inlineScores = await post(inline, '/v1/similarity', similarity);
    const pooledScores = await post(pooled, '/v1/similarity', similarity);
    assert.equal(pooledScores.statusCode, 200, pooledScores.body);
    assert.deepEqual(pooledScores.json().scores, inlineScores.json().scores);
    assert.equal(split.tasks.at(-1), 'cosine');
  });

  it('answers 503 OVERLOADED when a pool thread dies mid-task, and the pool recovers', async () => {
    const { scorer } = recordingPool(2, CRASHING_WORKER);
    const app = await appWith({ lexicalScorer: scorer }, { QUIRE_RERANK_INLINE_BUDGET_US: '0' });
    const started = performance.now();
    // One whole task, then a request split in two whose second slice alone crashes.
    const crashed = await post(app, '/v1/rerank', { query: 'cat', documents: [CRASH_MARKER] });
    assertProblem(crashed, 503, 'OVERLOADED');
    const documents = [...UNIFORM.documents.slice(0, 99), CRASH_MARKER];
    const halfCrashed = await post(app, '/v1/rerank', { query: UNIFORM.query, documents });
    assertProblem(halfCrashed, 503, 'OVERLOADED');
    assert.ok(performance.now() - started < 20_000, 'the crash was not answered promptly');
    const after = await post(app, '/v1/rerank', UNIFORM);
    assert.equal(after.statusCode, 200, after.body);
  });
});
