/**
 * BM25 as src/domain/bm25.ts computes it: the scores of a small corpus equal the formula worked
 * out by hand, the fast ASCII counting agrees with the shared tokeniser, order and ties follow
 * the contract (score, then index), and top_n cuts the ranked list.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bm25Scores,
  countAsciiTerm,
  countAsciiTokens,
  idf,
  rankByScore,
  tfidfCosine,
} from '../../src/domain/bm25.js';
import { RerankService } from '../../src/domain/rerank.js';
import { tokenize } from '../../src/shared/tokenize.js';

const close = (actual: number, expected: number, epsilon = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) < epsilon, `${actual} ≈ ${expected}`);

describe('bm25Scores', () => {
  it('equals the hand-computed example', () => {
    // Corpus (N = 3): d0 "cat cat dog" (3 tokens), d1 "Cat!" (1), d2 "bird fish" (2).
    // avgdl = (3 + 1 + 2) / 3 = 2. Query "cat dog": df(cat) = 2, df(dog) = 1.
    // IDF(cat) = ln(1 + (3 − 2 + 0.5) / (2 + 0.5)) = ln(1.6)   = 0.4700036292…
    // IDF(dog) = ln(1 + (3 − 1 + 0.5) / (1 + 0.5)) = ln(8 / 3) = 0.9808292530…
    // k1 = 1.2, b = 0.75:
    // d0: K = 1.2 · (1 − 0.75 + 0.75 · 3 / 2) = 1.65
    //     cat: 0.4700036 · 2 · 2.2 / (2 + 1.65) = 0.4700036 · 1.2054795 = 0.5665797
    //     dog: 0.9808293 · 1 · 2.2 / (1 + 1.65) = 0.9808293 · 0.8301887 = 0.8142733
    //     score = 1.3808530
    // d1: K = 1.2 · (1 − 0.75 + 0.75 · 1 / 2) = 0.75
    //     cat: 0.4700036 · 2.2 / 1.75 = 0.5908617
    // d2: no query term: 0.
    const scores = bm25Scores('cat dog', ['cat cat dog', 'Cat!', 'bird fish']);
    const idfCat = Math.log(1.6);
    const idfDog = Math.log(8 / 3);
    close(idf(3, 2), idfCat);
    close(idf(3, 1), idfDog);
    close(scores[0] ?? NaN, (idfCat * 2 * 2.2) / (2 + 1.65) + (idfDog * 2.2) / (1 + 1.65));
    close(scores[1] ?? NaN, (idfCat * 2.2) / (1 + 0.75));
    close(scores[0] ?? NaN, 1.380853, 1e-6);
    close(scores[1] ?? NaN, 0.590862, 1e-6);
    assert.equal(scores[2], 0);
    assert.deepEqual(rankByScore(scores), [0, 1, 2]);
  });

  it('takes k1 and b as given', () => {
    // b = 0: no length normalisation, so d1 (tf 1) scores idf · (k1 + 1) / (1 + k1).
    const [, d1] = bm25Scores('cat dog', ['cat cat dog', 'cat', 'bird fish'], { k1: 2, b: 0 });
    close(d1 ?? NaN, Math.log(1.6));
  });

  it('counts a query term repeated in the query once', () => {
    const documents = ['cat dog', 'dog', 'fish'];
    assert.deepEqual(bm25Scores('cat cat', documents), bm25Scores('cat', documents));
  });

  it('gives 0 to empty documents and to a query without tokens', () => {
    assert.deepEqual([...bm25Scores('cat', ['', 'cat'])].slice(0, 1), [0]);
    assert.deepEqual([...bm25Scores('!!!', ['cat', 'dog'])], [0, 0]);
    assert.deepEqual([...bm25Scores('cat', ['', ''])], [0, 0]);
  });

  it('matches non-ASCII text through the shared tokeniser (accents folded)', () => {
    const [cafe, other, plain] = bm25Scores('Café', ['un café noir', 'thé', 'cafe']);
    assert.ok((cafe ?? 0) > 0);
    assert.equal(other, 0);
    assert.ok((plain ?? 0) > 0);
  });

  it('counts ASCII tokens and terms exactly as tokenize does', () => {
    const texts = [
      'The quick-brown fox, the THE tHe; theme other x2y 2x a_b',
      '  leading and trailing  ',
      'the',
      'thethe the-the',
      '',
    ];
    for (const text of texts) {
      const tokens = tokenize(text);
      assert.equal(countAsciiTokens(text), tokens.length, text);
      for (const term of new Set([...tokens, 'the', 'he', 'zzz'])) {
        const expected = tokens.filter((token) => token === term).length;
        assert.equal(countAsciiTerm(text.toLowerCase(), term), expected, `${term} in ${text}`);
      }
    }
  });

  it('is deterministic', () => {
    const documents = Array.from({ length: 50 }, (_, i) => `doc ${i} cat ${'dog '.repeat(i % 7)}`);
    assert.deepEqual(bm25Scores('cat dog', documents), bm25Scores('cat dog', documents));
  });
});

describe('rankByScore', () => {
  it('orders by score, highest first, and equal scores by index', () => {
    assert.deepEqual(rankByScore([0.5, 0.9, 0.5, 0.9, 0]), [1, 3, 0, 2, 4]);
    const scores = bm25Scores('a', ['b', 'a', 'a', 'b']);
    assert.deepEqual(rankByScore(scores), [1, 2, 0, 3]);
  });
});

describe('RerankService lexical', () => {
  const service = new RerankService({ model: null, deadlineMs: 100, bm25: { k1: 1.2, b: 0.75 } });

  it('returns top_n results in order with normalised scores s / (s + 1)', async () => {
    const documents = ['cat cat dog', 'Cat!', 'bird fish'];
    const outcome = await service.rerank({
      query: 'cat dog',
      documents,
      topN: 2,
      returnDocuments: true,
    });
    assert.deepEqual(
      outcome.results.map((result) => result.index),
      [0, 1],
    );
    const raw = bm25Scores('cat dog', documents);
    close(outcome.results[0]?.relevance_score ?? NaN, (raw[0] ?? 0) / ((raw[0] ?? 0) + 1));
    assert.deepEqual(outcome.results[1]?.document, { text: 'Cat!' });
    assert.equal(outcome.meta.method, 'lexical');
    assert.equal(outcome.meta.model, 'bm25');
    assert.equal(outcome.meta.degraded, false);
  });

  it('defaults to all results and clamps top_n to the document count', async () => {
    const outcome = await service.rerank({
      query: 'x',
      documents: ['a', 'x', 'b'],
      topN: 10,
      returnDocuments: false,
    });
    assert.deepEqual(
      outcome.results.map((result) => result.index),
      [1, 0, 2],
    );
    assert.equal(outcome.results[0]?.document, undefined);
  });
});

describe('tfidfCosine', () => {
  it('is 1 for an identical text, 0 without shared terms, between for partial overlap', () => {
    const [same, none, some, empty] = tfidfCosine('red apple pie', [
      'Red apple pie',
      'blue car',
      'apple tart',
      '',
    ]);
    close(same ?? NaN, 1);
    assert.equal(none, 0);
    assert.ok((some ?? 0) > 0 && (some ?? 1) < 1);
    assert.equal(empty, 0);
  });
});
