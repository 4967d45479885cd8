/**
 * POST /v1/search through HTTP when all goes well, on SQLite and PostgreSQL: the right page with
 * highlights, case and accent folding, filters, limit, operators read as words, rerank without a
 * reranker, and a deleted document leaving the results.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertProblem } from '../../../helpers/problem.js';
import { pagePhrase, searchSuite, type Answer } from './setup.js';

searchSuite('when all goes well', (f) => {
  it('finds the phrase of page 7 of the PDF on page 7, with highlights', async () => {
    const response = await f.search({ query: pagePhrase(7) });
    assert.equal(response.statusCode, 200, response.body);
    const answer = response.json() as Answer;
    const [first] = answer.results;
    assert.equal(first?.document_id, f.pdfId);
    assert.equal(first?.page, 7);
    assert.match(first?.chunk_id ?? '', /^chk_/);
    assert.match(first?.text ?? '', new RegExp(pagePhrase(7)));
    const words = first?.highlights.map(({ start, end }) => first.text.slice(start, end)) ?? [];
    // Every query word is highlighted but the stop words, which are no query terms.
    for (const word of pagePhrase(7).split(' ')) {
      const stop = ['the', 'of', 'a'].includes(word.toLowerCase());
      assert.equal(words.includes(word), !stop, word);
    }
    assert.equal(typeof answer.meta.took_ms, 'number');
    assert.ok(answer.meta.took_ms >= 0);
    assert.deepEqual([answer.meta.method, answer.meta.degraded], ['lexical', false]);
    // Results are best first.
    for (let i = 1; i < answer.results.length; i++) {
      assert.ok((answer.results[i - 1]?.score ?? 0) >= (answer.results[i]?.score ?? 0));
    }
  });

  it('folds case and accents (CAFE finds café)', async () => {
    const found = await f.results({ query: 'CAFE naive' });
    assert.equal(found[0]?.document_id, f.notesId);
  });

  it('filters by document ids, tags (all) and media type', async () => {
    const byId = await f.results({ query: 'zephyr', filters: { document_ids: [f.notesId] } });
    assert.deepEqual([...new Set(byId.map((result) => result.document_id))], [f.notesId]);
    const byTags = await f.results({
      query: 'zephyr',
      limit: 100,
      filters: { tags: ['manual', 'fixture'] },
    });
    assert.ok(byTags.length > 0);
    assert.ok(byTags.every((result) => result.document_id === f.pdfId));
    assert.deepEqual(
      await f.results({ query: 'zephyr', filters: { tags: ['manual', 'absent'] } }),
      [],
    );
    const pdfOnly = await f.results({
      query: 'zephyr',
      limit: 100,
      filters: { media_type: 'application/pdf' },
    });
    assert.ok(pdfOnly.length > 0 && pdfOnly.every((result) => result.document_id === f.pdfId));
    const textOnly = await f.results({ query: 'zephyr', filters: { media_type: 'text/plain' } });
    assert.deepEqual([...new Set(textOnly.map((result) => result.document_id))], [f.notesId]);
  });

  it('honours limit (default 10)', async () => {
    // The PDF's sections make fewer than ten passages: the default is checked in relevance.test.ts.
    const all = (await f.results({ query: 'zephyr page', limit: 100 })).length;
    assert.ok(all >= 4, String(all));
    assert.equal((await f.results({ query: 'zephyr page', limit: 3 })).length, 3);
    assert.equal((await f.results({ query: 'zephyr page' })).length, Math.min(10, all));
    assert.equal((await f.results({ query: 'zephyr page', limit: 1 })).length, 1);
  });

  it("reads the engines' own operators as words; punctuation alone finds nothing", async () => {
    // FTS5 (NEAR, column filters, ^) and tsquery (:*, <->, !) syntax is not ours: plain words.
    const found = await f.results({
      query: `NEAR(seven, 2) seven:* <-> !seven ^seven {text}:seven`,
    });
    assert.equal(found[0]?.page, 7);
    assert.deepEqual(await f.results({ query: '"*():&|!' }), []);
  });

  it('reranks through the rerank service: hybrid without a model degrades to lexical; semantic is 503', async () => {
    const hybrid = await f.search({ query: 'zephyr', rerank: { method: 'hybrid', top_n: 20 } });
    assert.equal(hybrid.statusCode, 200, hybrid.body);
    const answer = hybrid.json() as Answer & { meta: { degraded: boolean } };
    assert.equal(answer.meta.method, 'hybrid');
    assert.equal(answer.meta.degraded, true, 'no model configured: hybrid fell back to lexical');
    assert.ok(answer.results.length > 0);
    const lexical = await f.search({ query: 'zephyr', rerank: { method: 'lexical', top_n: 5 } });
    assert.equal((lexical.json() as { meta: { degraded: boolean } }).meta.degraded, false);
    const semantic = await f.search({ query: 'zephyr', rerank: { method: 'semantic' } });
    assertProblem(semantic, 503, 'MODEL_UNAVAILABLE');
  });

  it('a deleted document disappears from the results', async () => {
    const before = await f.results({ query: 'gulls terrace' });
    assert.equal(before[0]?.document_id, f.notesId);
    const deleted = await f.t.app.inject({
      method: 'DELETE',
      url: `/v1/documents/${f.notesId}`,
      headers: f.t.admin,
    });
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.deepEqual(await f.results({ query: 'gulls terrace' }), []);
  });
});
