/**
 * POST /v1/search through HTTP, on SQLite and on PostgreSQL: documents are created and extracted
 * the way clients do it (PDF upload, JSON text), then searched: the right page, tenant isolation,
 * filters, limit, highlights, rerank without a reranker, validation (400 with paths), scope,
 * and a deleted document leaving the results.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SearchService, type Rerank } from '../../src/domain/search.js';
import type { SearchIndex } from '../../src/ports/search-index.js';
import { pagePhrase, textPdfBytes } from '../fixtures/documents.js';
import { buildTestApp, createApiKey, onCleanup, type TestApp } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import { submitText, waitForJob } from '../helpers/jobs.js';
import { multipart } from '../helpers/multipart.js';
import { assertProblem } from '../helpers/problem.js';

interface Result {
  document_id: string;
  chunk_id: string;
  page: number;
  score: number;
  text: string;
  highlights: { start: number; end: number }[];
}
interface Answer {
  results: Result[];
  meta: { method: string; took_ms: number; degraded: boolean };
}

const ENV = {
  QUIRE_RATE_LIMIT_READ: '1000000',
  QUIRE_RATE_LIMIT_SEARCH: '1000000',
  QUIRE_RATE_LIMIT_WRITE: '1000000',
  QUIRE_RATE_LIMIT_UPLOAD: '1000000',
  QUIRE_WORKER_POLL_MS: '20',
};

function searchSuite(name: string, env: () => Promise<Record<string, string>>): void {
  describe(`POST /v1/search (${name})`, () => {
    let t: TestApp;
    let pdfId: string;
    let notesId: string;
    let otherKey: string;

    const search = (payload: unknown, headers: Record<string, string> = t.admin) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/search',
        headers,
        payload: payload as Record<string, unknown>,
      });
    const results = async (payload: unknown): Promise<Result[]> => {
      const response = await search(payload);
      assert.equal(response.statusCode, 200, response.body);
      return (response.json() as Answer).results;
    };

    before(async () => {
      t = await buildTestApp({ ...ENV, ...(await env()) });
      const form = multipart([
        { name: 'file', value: Buffer.from(await textPdfBytes(12)), filename: 'manual.pdf' },
        { name: 'tags', value: 'manual,fixture' },
      ]);
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/documents?dedupe=false',
        headers: { ...t.admin, ...form.headers },
        payload: form.payload,
      });
      assert.equal(created.statusCode, 202, created.body);
      const pdf = created.json() as { document: { id: string }; job: { id: string } };
      pdfId = pdf.document.id;
      const notes = await submitText(
        t,
        'Field notes: the zephyr crossed the café terrace at dawn. Naïve gulls followed it.',
      );
      notesId = notes.document.id;
      for (const job of [pdf.job.id, notes.job.id]) {
        assert.equal((await waitForJob(t, job)).status, 'succeeded');
      }
      ({ key: otherKey } = await createApiKey(t, {
        name: 'other tenant',
        tenant_id: 'other',
        scopes: ['search', 'documents:write', 'documents:read'],
      }));
    });

    it('finds the phrase of page 7 of the PDF on page 7, with highlights', async () => {
      const response = await search({ query: pagePhrase(7) });
      assert.equal(response.statusCode, 200, response.body);
      const answer = response.json() as Answer;
      const [first] = answer.results;
      assert.equal(first?.document_id, pdfId);
      assert.equal(first?.page, 7);
      assert.match(first?.chunk_id ?? '', /^chk_/);
      assert.match(first?.text ?? '', new RegExp(pagePhrase(7)));
      const words = first?.highlights.map(({ start, end }) => first.text.slice(start, end)) ?? [];
      for (const word of pagePhrase(7).split(' ')) assert.ok(words.includes(word), word);
      assert.equal(typeof answer.meta.took_ms, 'number');
      assert.ok(answer.meta.took_ms >= 0);
      assert.deepEqual([answer.meta.method, answer.meta.degraded], ['lexical', false]);
      // Results are best first.
      for (let i = 1; i < answer.results.length; i++) {
        assert.ok((answer.results[i - 1]?.score ?? 0) >= (answer.results[i]?.score ?? 0));
      }
    });

    it('folds case and accents (CAFE finds café)', async () => {
      const found = await results({ query: 'CAFE naive' });
      assert.equal(found[0]?.document_id, notesId);
    });

    it('another tenant never sees these documents, and finds its own', async () => {
      const other = { authorization: `Bearer ${otherKey}` };
      const response = await search({ query: pagePhrase(7) }, other);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual((response.json() as Answer).results, []);
      const theirs = await submitText(t, 'the zephyr of the other tenant', 'o.txt', other);
      // Searchable once its extraction commits (the job is the other tenant's: poll the search).
      const deadline = Date.now() + 20_000;
      let found: Result[] = [];
      while (found.length === 0 && Date.now() < deadline) {
        await sleep(20);
        found = ((await search({ query: 'zephyr' }, other)).json() as Answer).results;
      }
      assert.deepEqual(
        found.map((result) => result.document_id),
        [theirs.document.id],
      );
      const mine = await results({ query: 'zephyr', limit: 100 });
      assert.ok(mine.every((result) => result.document_id !== theirs.document.id));
    });

    it('filters by document ids, tags (all) and media type', async () => {
      const byId = await results({ query: 'zephyr', filters: { document_ids: [notesId] } });
      assert.deepEqual([...new Set(byId.map((result) => result.document_id))], [notesId]);
      const byTags = await results({
        query: 'zephyr',
        limit: 100,
        filters: { tags: ['manual', 'fixture'] },
      });
      assert.ok(byTags.length > 0);
      assert.ok(byTags.every((result) => result.document_id === pdfId));
      assert.deepEqual(
        await results({ query: 'zephyr', filters: { tags: ['manual', 'absent'] } }),
        [],
      );
      const pdfOnly = await results({
        query: 'zephyr',
        limit: 100,
        filters: { media_type: 'application/pdf' },
      });
      assert.ok(pdfOnly.length > 0 && pdfOnly.every((result) => result.document_id === pdfId));
      const textOnly = await results({ query: 'zephyr', filters: { media_type: 'text/plain' } });
      assert.deepEqual([...new Set(textOnly.map((result) => result.document_id))], [notesId]);
    });

    it('honours limit (default 10)', async () => {
      assert.equal((await results({ query: 'zephyr page', limit: 3 })).length, 3);
      assert.equal((await results({ query: 'zephyr page' })).length, 10);
      assert.equal((await results({ query: 'zephyr page', limit: 1 })).length, 1);
    });

    it('reads operators and quotes as words; punctuation alone finds nothing', async () => {
      const found = await results({ query: `"seven" NEAR(seven*) -seven' ; seven:* <-> !(seven)` });
      assert.equal(found[0]?.page, 7);
      assert.deepEqual(await results({ query: '"*():&|!' }), []);
    });

    it('reranks through the rerank service: hybrid without a model degrades to lexical; semantic is 503', async () => {
      const hybrid = await search({ query: 'zephyr', rerank: { method: 'hybrid', top_n: 20 } });
      assert.equal(hybrid.statusCode, 200, hybrid.body);
      const answer = hybrid.json() as Answer & { meta: { degraded: boolean } };
      assert.equal(answer.meta.method, 'hybrid');
      assert.equal(answer.meta.degraded, true, 'no model configured: hybrid fell back to lexical');
      assert.ok(answer.results.length > 0);
      const lexical = await search({ query: 'zephyr', rerank: { method: 'lexical', top_n: 5 } });
      assert.equal((lexical.json() as { meta: { degraded: boolean } }).meta.degraded, false);
      const semantic = await search({ query: 'zephyr', rerank: { method: 'semantic' } });
      assertProblem(semantic, 503, 'MODEL_UNAVAILABLE');
    });

    it('answers 400 with paths for invalid requests', async () => {
      const cases: [unknown, string][] = [
        [{ query: '' }, '/body/query'],
        [{ query: 'x'.repeat(1001) }, '/body/query'],
        [{ query: 'a', limit: 0 }, '/body/limit'],
        [{ query: 'a', limit: 101 }, '/body/limit'],
        [{ query: 'a', limit: 2.5 }, '/body/limit'],
        [
          { query: 'a', filters: { document_ids: Array(101).fill('doc_x') } },
          '/body/filters/document_ids',
        ],
        [
          { query: 'a', filters: { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) } },
          '/body/filters/tags',
        ],
        [{ query: 'a', rerank: { method: 'magic' } }, '/body/rerank/method'],
        [{ query: 'a', rerank: { method: 'lexical', top_n: 101 } }, '/body/rerank/top_n'],
        [{}, '/body'],
      ];
      for (const [payload, path] of cases) {
        const problem = assertProblem(await search(payload), 400, 'VALIDATION_FAILED');
        const paths = (problem.errors as { path: string }[]).map((error) => error.path);
        assert.ok(
          paths.some((p) => p.startsWith(path)),
          `${JSON.stringify(payload).slice(0, 80)}: ${paths.join(', ')}`,
        );
      }
      const unknownFields: [unknown, string][] = [
        [{ query: 'a', unknown: 1 }, '/body'],
        [{ query: 'a', filters: { tag: ['x'] } }, '/body/filters'],
        [{ query: 'a', rerank: { method: 'lexical', top_k: 5 } }, '/body/rerank'],
      ];
      for (const [payload, path] of unknownFields) {
        const problem = assertProblem(await search(payload), 400, 'VALIDATION_FAILED');
        const paths = (problem.errors as { path: string }[]).map((error) => error.path);
        assert.ok(paths.includes(path), `${JSON.stringify(payload)}: ${paths.join(', ')}`);
      }
    });

    it('needs the search scope', async () => {
      const { key } = await createApiKey(t, { name: 'reader', scopes: ['documents:read'] });
      const response = await search({ query: 'zephyr' }, { authorization: `Bearer ${key}` });
      assertProblem(response, 403, 'FORBIDDEN');
      assertProblem(await search({ query: 'zephyr' }, {}), 401, 'UNAUTHENTICATED');
    });

    it('a deleted document disappears from the results', async () => {
      const before = await results({ query: 'gulls terrace' });
      assert.equal(before[0]?.document_id, notesId);
      const deleted = await t.app.inject({
        method: 'DELETE',
        url: `/v1/documents/${notesId}`,
        headers: t.admin,
      });
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.deepEqual(await results({ query: 'gulls terrace' }), []);
    });
  });
}

searchSuite('sqlite', async () => ({}));
searchSuite('postgres', async () => {
  const schema = await createPostgresSchema();
  onCleanup(() => schema.drop());
  return { QUIRE_DATABASE_URL: schema.url };
});

describe('SearchService rerank step', () => {
  const hit = (n: number) => ({
    passage_id: `chk_${n}`,
    document_id: 'doc_1',
    page: 1,
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
