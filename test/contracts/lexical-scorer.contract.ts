/**
 * The LexicalScorer contract: what the rerank service may rely on when it hands big requests off
 * the event loop — the very scores the in-process functions give (so an answer does not depend on
 * the request's size), for BM25 and TF-IDF cosine, under concurrent requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runLexicalTask } from '../../src/domain/rerank.js';
import type { LexicalScorer, LexicalTask } from '../../src/ports/lexical-scorer.js';

export interface LexicalScorerFactory {
  name: string;
  create(): Promise<LexicalScorer & { close(): Promise<void> }>;
}

const DOCUMENTS = [
  'The linear model fits a straight line to the data points',
  'Generalized linear models extend linear regression to other distributions',
  'A recipe for bread: flour, water, salt and yeast',
  '',
  'Models, models everywhere: linear, logistic, mixed',
];

export function lexicalScorerContract(factory: LexicalScorerFactory): void {
  describe(`LexicalScorer contract: ${factory.name}`, { timeout: 30_000 }, () => {
    let scorer: LexicalScorer & { close(): Promise<void> };
    before(async () => {
      scorer = await factory.create();
    });
    after(() => scorer.close());

    const same = async (task: LexicalTask): Promise<void> => {
      const scores = await scorer.score(task);
      assert.deepEqual([...scores], [...runLexicalTask(task)]);
    };

    it('scores BM25 exactly as the in-process function does', async () => {
      await same({
        kind: 'bm25',
        query: 'linear model',
        documents: DOCUMENTS,
        params: { k1: 1.2, b: 0.75 },
      });
      await same({ kind: 'bm25', query: 'linear', documents: DOCUMENTS, params: { k1: 2, b: 0 } });
    });

    it('scores TF-IDF cosine exactly as the in-process function does', async () => {
      await same({ kind: 'cosine', source: 'linear regression models', targets: DOCUMENTS });
    });

    it('counts a slice of documents (bm25-counts) exactly as the in-process function does', async () => {
      await same({ kind: 'bm25-counts', terms: ['linear', 'model'], documents: DOCUMENTS });
      await same({ kind: 'bm25-counts', terms: ['bread'], documents: DOCUMENTS.slice(2) });
    });

    it('says how many of its threads are free', () => {
      assert.ok(Number.isInteger(scorer.freeThreads()) && scorer.freeThreads() >= 1);
    });

    it('answers concurrent requests each with its own scores', async () => {
      const tasks: LexicalTask[] = DOCUMENTS.map((_, index) => ({
        kind: 'bm25',
        query: DOCUMENTS[index] ?? '',
        documents: DOCUMENTS,
        params: { k1: 1.2, b: 0.75 },
      }));
      const results = await Promise.all(tasks.map((task) => scorer.score(task)));
      results.forEach((scores, index) =>
        assert.deepEqual([...scores], [...runLexicalTask(tasks[index] as LexicalTask)]),
      );
    });
  });
}
