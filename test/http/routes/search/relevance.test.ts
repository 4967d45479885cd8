/**
 * Issue 18 through HTTP, on SQLite and PostgreSQL: stemming and stop words, a table of contents
 * that does not outrank the section it lists (and comes back with `include_navigation`), heading
 * paths and page spans on results, the default limit, and the same answers from both databases.
 * The document is a Markdown guide uploaded as clients do, cut by its headings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { DATABASES } from './setup.js';
import { submitText, waitForJob } from '../../../helpers/jobs.js';

interface Result {
  document_id: string;
  chunk_id: string;
  page: number;
  page_end: number;
  heading_path: string[];
  score: number;
  text: string;
  highlights: { start: number; end: number }[];
}

const ENV = {
  QUIRE_RATE_LIMIT_READ: '1000000',
  QUIRE_RATE_LIMIT_SEARCH: '1000000',
  QUIRE_RATE_LIMIT_WRITE: '1000000',
  QUIRE_WORKER_POLL_MS: '20',
};

const filler = (topic: string): string =>
  `This part of the guide explains ${topic} in plain words, with examples that readers can ` +
  'copy, a note on common mistakes, and pointers to the reference pages for the details.';

const GUIDE = [
  '# Statistics guide',
  '',
  '## Contents',
  '',
  ...[
    'Installation',
    'Linear models',
    'Fitting models',
    'Graphics',
    'Data frames',
    'Factors',
    'Appendix',
  ].map((title, i) => `${title} . . . . . . . . . . . . ${i + 1}`),
  '',
  '## Installation',
  '',
  `Installing the package takes one command. ${filler('installation')}`,
  '',
  '## Linear models',
  '',
  `The lm function fits a linear model to a data frame. ${filler('linear models')}`,
  '',
  '## Fitting models',
  '',
  `Fitted values and residuals come back from every fitting function. ${filler('fitting')}`,
  '',
  ...Array.from({ length: 12 }, (_, i) => [
    `## Topic ${i + 1}`,
    '',
    `Walrus note ${i + 1}. ${filler(`topic ${i + 1}`)}`,
    '',
  ]).flat(),
].join('\n');

interface Chunk {
  id: string | null;
  ordinal: number;
  text: string;
  heading_path: string[];
  page: number;
  page_end: number;
  start: number;
  end: number;
  token_count: number;
  navigation: boolean;
}

interface ChunksAnswer {
  data: Chunk[];
  next_cursor: string | null;
  meta: { strategy: string; max_tokens: number; overlap: number; indexed: boolean; total: number };
}

interface Fixture {
  t: TestApp;
  documentId: string;
  results(payload: Record<string, unknown>): Promise<Result[]>;
  chunks(
    query: string,
    id?: string,
  ): Promise<{ status: number; body: string; json: () => unknown }>;
}

/** Every chunk, page by page of `limit`, following the cursors. */
async function allChunks(f: Fixture, query: string): Promise<ChunksAnswer['data']> {
  const chunks: Chunk[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const response = await f.chunks(
      `${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
    );
    assert.equal(response.status, 200, response.body);
    const answer = response.json() as ChunksAnswer;
    chunks.push(...answer.data);
    cursor = answer.next_cursor;
    if (cursor === null) return chunks;
  }
  throw new Error('more than 100 pages of chunks');
}

async function fixture(env: Record<string, string>): Promise<Fixture> {
  const t = await buildTestApp({ ...ENV, ...env });
  const submitted = await submitText(t, GUIDE, 'guide.md');
  assert.equal((await waitForJob(t, submitted.job.id)).status, 'succeeded');
  const results = async (payload: Record<string, unknown>): Promise<Result[]> => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/search',
      headers: t.admin,
      payload,
    });
    assert.equal(response.statusCode, 200, response.body);
    return (response.json() as { results: Result[] }).results;
  };
  const chunks = async (query: string, id = submitted.document.id) => {
    const response = await t.app.inject({
      url: `/v1/documents/${id}/chunks?${query}`,
      headers: t.admin,
    });
    return { status: response.statusCode, body: response.body, json: () => response.json() };
  };
  return { t, documentId: submitted.document.id, results, chunks };
}

const words = (result: Result | undefined): string[] =>
  result?.highlights.map(({ start, end }) => result.text.slice(start, end)) ?? [];

const section = (result: Result | undefined): string | undefined => result?.heading_path.at(-1);

const fixtures = new Map<string, Fixture>();

for (const [name, env] of DATABASES) {
  describe(`POST /v1/search (${name}): structure, stemming, navigation`, () => {
    let f: Fixture;
    before(async () => {
      f = await fixture(await env());
      fixtures.set(name, f);
    });

    it('stems: "installing" finds the Installation section, "fitted" the fitting one', async () => {
      const installing = await f.results({ query: 'installing' });
      assert.equal(section(installing[0]), 'Installation');
      assert.ok(words(installing[0]).includes('Installation'), words(installing[0]).join());
      const fitted = await f.results({ query: 'fitted' });
      assert.equal(section(fitted[0]), 'Fitting models');
    });

    it('drops stop words: they neither match nor get highlighted', async () => {
      const found = await f.results({ query: 'how do I make a linear model' });
      assert.equal(section(found[0]), 'Linear models');
      for (const result of found)
        for (const word of words(result))
          assert.ok(!['how', 'do', 'i', 'a'].includes(word.toLowerCase()), word);
      // Nothing but stop words: they are the query then.
      assert.ok((await f.results({ query: 'the of' })).length > 0);
    });

    it('a table of contents does not outrank the section it lists; include_navigation brings it back', async () => {
      const found = await f.results({ query: 'Linear models', limit: 100 });
      assert.deepEqual(found[0]?.heading_path, ['Statistics guide', 'Linear models']);
      assert.ok(found.every((result) => section(result) !== 'Contents'));
      const all = await f.results({ query: 'Linear models', limit: 100, include_navigation: true });
      assert.ok(all.some((result) => section(result) === 'Contents'));
      assert.equal(all.length, found.length + 1);
    });

    it('results carry their heading path and page span', async () => {
      const [first] = await f.results({ query: 'walrus note 7' });
      assert.deepEqual(first?.heading_path, ['Statistics guide', 'Topic 7']);
      assert.equal(first?.document_id, f.documentId);
      assert.ok((first?.page ?? 0) >= 1 && (first?.page_end ?? 0) >= (first?.page ?? 0));
      assert.match(first?.text ?? '', /^Topic 7\n\nWalrus note 7\./);
    });

    it('GET /chunks pages through exactly the indexed passages, with their structure', async () => {
      const first = await f.chunks('limit=5');
      assert.equal(first.status, 200, first.body);
      const answer = first.json() as ChunksAnswer;
      assert.equal(answer.data.length, 5);
      assert.deepEqual(
        { ...answer.meta, total: undefined },
        { strategy: 'structure', max_tokens: 200, overlap: 0, indexed: true, total: undefined },
      );
      const chunks = await allChunks(f, 'limit=5');
      assert.equal(chunks.length, answer.meta.total);
      assert.deepEqual(
        chunks.map((chunk) => chunk.ordinal),
        chunks.map((_, i) => i),
      );
      const [hit] = await f.results({ query: 'walrus note 7' });
      const indexed = chunks.find((chunk) => chunk.id === hit?.chunk_id);
      assert.ok(indexed !== undefined, 'the search hit is one of the chunks');
      assert.equal(indexed.text, hit?.text);
      assert.deepEqual(indexed.heading_path, ['Statistics guide', 'Topic 7']);
      assert.ok(indexed.page_end >= indexed.page && indexed.end > indexed.start);
      assert.equal(indexed.token_count, indexed.text.split(/\s+/).length);
      assert.ok(
        chunks.some((chunk) => chunk.navigation && chunk.heading_path.at(-1) === 'Contents'),
      );
      // The offsets point into the page text /content serves.
      const content = await f.t.app.inject({
        url: `/v1/documents/${f.documentId}/content?format=json`,
        headers: f.t.admin,
      });
      const pages = (content.json() as { pages: { number: number; text: string }[] }).pages;
      const page = pages.find((candidate) => candidate.number === indexed.page);
      assert.ok(page?.text.slice(indexed.start).startsWith('Topic 7'));
    });

    it('GET /chunks cuts on request with other parameters, not indexed', async () => {
      const small = await allChunks(f, 'max_tokens=16&overlap=4&limit=500');
      assert.ok(small.length > 20, String(small.length));
      assert.ok(small.every((chunk) => chunk.id === null && chunk.token_count <= 20));
      const fixed = (await f.chunks('strategy=fixed')).json() as ChunksAnswer;
      assert.equal(fixed.meta.indexed, false);
      assert.ok(fixed.data.every((chunk) => chunk.heading_path.length === 0));
    });

    it('GET /chunks refuses bad parameters with 400 problem+json, an unknown document with 404', async () => {
      for (const query of [
        'max_tokens=5',
        'max_tokens=abc',
        'strategy=semantic',
        'limit=0',
        'limit=501',
        'overlap=-1',
        'max_tokens=16&overlap=9',
        'strategy=fixed&overlap=2',
        'cursor=bm90LWEtY3Vyc29y',
      ]) {
        const response = await f.chunks(query);
        assert.equal(response.status, 400, `${query}: ${response.body}`);
        const problem = response.json() as { code: string; request_id: string };
        assert.equal(problem.code, 'VALIDATION_FAILED', query);
        assert.ok(problem.request_id !== '', query);
      }
      assert.equal((await f.chunks('', 'doc_absent')).status, 404);
    });

    it('answers at most 10 results by default', async () => {
      assert.equal((await f.results({ query: 'walrus' })).length, 10);
      assert.equal((await f.results({ query: 'walrus', limit: 12 })).length, 12);
    });
  });
}

describe('POST /v1/search: SQLite and PostgreSQL answer alike', () => {
  after(() => fixtures.clear());
  it('same passages, heading paths, pages, highlights and chunks for the same document', async () => {
    const sqlite = fixtures.get('sqlite');
    const postgres = fixtures.get('postgres');
    assert.ok(sqlite !== undefined && postgres !== undefined, 'both suites ran first');
    for (const query of ['linear models', 'installing the package', 'walrus note', 'fitted']) {
      const view = (results: Result[]): Omit<Result, 'document_id' | 'chunk_id' | 'score'>[] =>
        // Scores differ in the last digits: SQLite's bm25() counts every passage of the index in
        // its IDF, PostgreSQL's the tenant's in scope (see adapters/postgres/search-index.ts).
        results.map(({ text, heading_path, page, page_end, highlights }) => ({
          text,
          heading_path,
          page,
          page_end,
          highlights,
        }));
      const fromPostgres = view(
        await postgres.results({ query, limit: 20, include_navigation: true }),
      );
      const fromSqlite = view(await sqlite.results({ query, limit: 20, include_navigation: true }));
      // The same passages and the same best one. Lower down the order may differ where scores are
      // close: SQLite's bm25() takes its IDF over the whole index and lengths in tokens,
      // PostgreSQL's over the tenant's scope and lengths in words; and equal scores (the twelve
      // topics) are ordered by passage id, which differs between two uploads.
      const sorted = (views: ReturnType<typeof view>): string[] =>
        views.map((v) => JSON.stringify(v)).sort();
      assert.deepEqual(sorted(fromPostgres), sorted(fromSqlite), query);
      if (query !== 'walrus note') assert.deepEqual(fromPostgres[0], fromSqlite[0], query);
    }
    const chunks = async (f: Fixture): Promise<unknown> =>
      (await allChunks(f, 'limit=500')).map((chunk) => ({ ...chunk, id: undefined }));
    assert.deepEqual(await chunks(postgres), await chunks(sqlite));
  });
});
