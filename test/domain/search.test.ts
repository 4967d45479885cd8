/** SearchService's rerank step, with a fake index and reranker: candidates, order, fallbacks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SearchService, type Rerank } from '../../src/domain/search.js';
import type { SearchIndex } from '../../src/ports/search-index.js';

describe('SearchService rerank step', () => {
  const hit = (n: number) => ({
    passage_id: `chk_${n}`,
    document_id: 'doc_1',
    page: 1,
    page_end: 1,
    heading_path: [],
    score: 10 - n,
    text: `passage ${n}`,
    highlights: [],
  });
  const asked: number[] = [];
  const index: SearchIndex = {
    async search(_tenant, query) {
      asked.push(query.limit);
      return { hits: Array.from({ length: Math.min(query.limit, 6) }, (_, n) => hit(n)) };
    },
    nearest: () => Promise.reject(new Error('no vectors in this test')),
  };
  const reverse: Rerank = async (_query, texts, method) => ({
    order: texts.map((_, i) => texts.length - 1 - i),
    scores: texts.map((_, i) => i / 10),
    degraded: method === 'hybrid',
    method: method === 'hybrid' ? 'lexical' : method,
  });

  it('reranks the top_n lexical candidates and answers `limit` of them', async () => {
    const service = new SearchService({ index, rerank: reverse });
    const answer = await service.search('t', {
      query: 'passage',
      limit: 2,
      rerank: { method: 'semantic', top_n: 5 },
    });
    assert.equal(asked.at(-1), 5);
    assert.deepEqual(
      answer.results.map((result) => [result.chunk_id, result.score]),
      [
        ['chk_4', 0],
        ['chk_3', 0.1],
      ],
    );
    assert.deepEqual([answer.meta.method, answer.meta.degraded], ['semantic', false]);
    const fallback = await service.search('t', { query: 'p', rerank: { method: 'hybrid' } });
    assert.deepEqual([fallback.meta.method, fallback.meta.degraded], ['lexical', true]);
  });

  it('without a rerank request (or a reranker), keeps the lexical order', async () => {
    const plain = await new SearchService({ index, rerank: reverse }).search('t', {
      query: 'p',
      limit: 3,
    });
    assert.deepEqual(
      plain.results.map((result) => result.chunk_id),
      ['chk_0', 'chk_1', 'chk_2'],
    );
    const unwired = await new SearchService({ index }).search('t', {
      query: 'p',
      rerank: { method: 'semantic', top_n: 50 },
    });
    assert.equal(asked.at(-1), 10);
    assert.equal(unwired.meta.method, 'lexical');
  });

  it('refuses out-of-range requests from non-HTTP callers too', async () => {
    const service = new SearchService({ index });
    for (const request of [
      { query: '' },
      { query: 'x'.repeat(1001) },
      { query: 'a', limit: 0 },
      { query: 'a', limit: 101 },
      { query: 'a', filters: { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) } },
      { query: 'a', rerank: { method: 'lexical' as const, top_n: 0 } },
    ]) {
      await assert.rejects(service.search('t', request), { code: 'VALIDATION_FAILED' });
    }
  });
});
