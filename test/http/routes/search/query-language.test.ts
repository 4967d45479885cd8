/**
 * The query language of POST /v1/search (issue 18), through HTTP on SQLite and PostgreSQL:
 * phrases, prefixes, exclusions, OR/AND, `title:`/`heading:` filters (and a retitled document
 * found by its new title), stop words never highlighted, a malformed query read leniently by
 * default and refused with 400 naming its position under `strict`, and 300 random queries from a
 * seeded generator per database that all answer 200 (or 400 when strict) — never a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import { waitForJob } from '../../../helpers/jobs.js';
import { DATABASES } from './setup.js';

interface Result {
  document_id: string;
  heading_path: string[];
  text: string;
  highlights: { start: number; end: number }[];
}

const ENV = {
  QUIRE_RATE_LIMIT_READ: '1000000',
  QUIRE_RATE_LIMIT_SEARCH: '1000000',
  QUIRE_RATE_LIMIT_WRITE: '1000000',
  QUIRE_WORKER_POLL_MS: '20',
};

const GUIDE = [
  '# Harbour guide',
  '',
  '## Lighthouses',
  '',
  'The keeper trims the wick of the lamp every night. Storm lanterns hang by the door.',
  '',
  '## Breakwaters',
  '',
  'Boats shelter behind the breakwater when storms come. The lamp of the pier is red.',
  '',
  '## Tides',
  '',
  'High water comes twice a day; the keeper writes the tide table.',
].join('\n');

const NOTES = 'Field notes: the lamp keeper of the north light reads novels at night.';

/** A deterministic generator (mulberry32), so a failing query can be found again by its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces of queries: words, our operators, the engines' own syntax, quotes and odd characters. */
const PIECES = [
  'lamp',
  'keeper',
  'the',
  'of',
  'wick',
  'tide',
  'storms',
  'breakwat',
  'harbour',
  'café',
  '"',
  '"',
  '(',
  ')',
  '-',
  '+',
  '*',
  ':',
  'OR',
  'AND',
  '|',
  '&',
  'title:',
  'heading:',
  'TITLE:',
  'NEAR',
  'NOT',
  '^',
  '{',
  '}',
  "'",
  '\\',
  '<->',
  '!',
  ':*',
  '%',
  '_',
  ';',
  ',',
  '.',
  '0',
  '42',
  '\u0000',
  '\u00ad',
  'ﬁ',
  'Ａ',
  '日本',
  'e\u0301',
  '🙂',
  '\t',
  '\n',
  '--',
  '((',
  '))',
  '""',
];

function randomQuery(next: () => number): string {
  const count = 1 + Math.floor(next() * 12);
  let query = '';
  for (let i = 0; i < count; i++) {
    const piece = PIECES[Math.floor(next() * PIECES.length)] ?? 'lamp';
    query += next() < 0.5 ? ` ${piece}` : piece;
  }
  const trimmed = query.slice(0, 1000);
  return trimmed.length > 0 ? trimmed : 'lamp';
}

for (const [name, database] of DATABASES) {
  describe(`POST /v1/search (${name}): query language`, () => {
    let t: TestApp;
    let guideId = '';
    let notesId = '';

    const search = (payload: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/v1/search', headers: t.admin, payload });
    const results = async (query: string, extra: Record<string, unknown> = {}) => {
      const response = await search({ query, limit: 50, ...extra });
      assert.equal(response.statusCode, 200, `${query}: ${response.body}`);
      return (response.json() as { results: Result[] }).results;
    };
    const sections = (found: Result[]) =>
      found.map((r) => (r.document_id === notesId ? 'notes' : (r.heading_path.at(-1) ?? '')));
    const highlighted = (result: Result) =>
      result.highlights.map((h) => result.text.slice(h.start, h.end).toLowerCase());

    before(async () => {
      t = await buildTestApp({ ...ENV, ...(await database()) });
      const ids: string[] = [];
      for (const [text, filename, title] of [
        [GUIDE, 'guide.md', 'Harbour handbook'],
        [NOTES, 'notes.txt', 'Field notes'],
      ] as const) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/v1/documents?dedupe=false',
          headers: t.admin,
          payload: { text, filename, title },
        });
        assert.equal(response.statusCode, 202, response.body);
        const body = response.json() as { document: { id: string }; job: { id: string } };
        assert.equal((await waitForJob(t, body.job.id)).status, 'succeeded');
        ids.push(body.document.id);
      }
      [guideId = '', notesId = ''] = ids;
    });
    after(async () => {
      await t.app.close();
    });

    it('"exact phrase": the words in order, next to each other', async () => {
      const found = await results('"trims the wick"');
      assert.deepEqual(sections(found), ['Lighthouses']);
      const [first] = found;
      assert.ok(first !== undefined);
      assert.deepEqual(highlighted(first), ['trims', 'wick'], 'the stop word is not highlighted');
      assert.deepEqual(await results('"wick trims"'), []);
    });

    it('prefix*: any word starting with it, highlighted', async () => {
      const found = await results('lant*');
      assert.deepEqual(sections(found), ['Lighthouses']);
      const [first] = found;
      assert.ok(first !== undefined);
      assert.deepEqual(highlighted(first), ['lanterns']);
      assert.deepEqual(await results('lant'), [], 'without the star, not a word of the text');
    });

    it('-exclusion: results never contain the word (stemmed: storm excludes storms)', async () => {
      assert.deepEqual(sections(await results('lamp')).sort(), [
        'Breakwaters',
        'Lighthouses',
        'notes',
      ]);
      assert.deepEqual(sections(await results('lamp -storm')), ['notes']);
      assert.deepEqual(sections(await results('lamp -"north light"')).sort(), [
        'Breakwaters',
        'Lighthouses',
      ]);
      assert.deepEqual(await results('-lamp'), [], 'only exclusions: nothing to find');
    });

    it('OR, AND and parentheses', async () => {
      assert.deepEqual(sections(await results('wick OR tide')).sort(), ['Lighthouses', 'Tides']);
      assert.deepEqual(sections(await results('wick | tide')).sort(), ['Lighthouses', 'Tides']);
      assert.deepEqual(await results('wick AND tide'), []);
      assert.deepEqual(sections(await results('keeper AND tide')), ['Tides']);
      assert.deepEqual(sections(await results('(wick OR novels) AND night')).sort(), [
        'Lighthouses',
        'notes',
      ]);
    });

    it('title: and heading: filter by the document title and the heading path', async () => {
      const inHeading = await results('heading:lighthouses');
      assert.deepEqual(sections(inHeading), ['Lighthouses']);
      assert.deepEqual(highlighted(inHeading[0] as Result), [], 'a field match is not in the text');
      const titled = await results('title:handbook keeper');
      assert.ok(titled.length > 0);
      assert.ok(
        titled.every((r) => r.document_id === guideId),
        'only the titled document',
      );
      assert.ok(['Lighthouses', 'Tides'].includes(sections(titled)[0] ?? ''), 'keeper ranks');
      assert.deepEqual(sections(await results('keeper -title:handbook')), ['notes']);
      const guide = await results('heading:"harbour guide" tide');
      assert.equal(sections(guide)[0], 'Tides');
      assert.ok(
        guide.every((r) => r.document_id === guideId && r.heading_path[0] === 'Harbour guide'),
      );
    });

    it('a retitled document is found by its new title only', async () => {
      const patched = await t.app.inject({
        method: 'PATCH',
        url: `/v1/documents/${guideId}`,
        headers: t.admin,
        payload: { title: 'Coastal almanac' },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      const retitled = await results('title:almanac');
      assert.ok(retitled.length >= 3);
      assert.ok(retitled.every((r) => r.document_id === guideId));
      assert.deepEqual(await results('title:handbook'), []);
    });

    it('highlights mark query words, never stop words', async () => {
      const found = await results('the keeper of the lamp');
      assert.ok(found.length >= 2);
      for (const result of found) {
        const words = highlighted(result);
        assert.ok(words.length > 0);
        assert.ok(
          words.every((word) => word === 'keeper' || word === 'lamp'),
          JSON.stringify(words),
        );
      }
    });

    it('a malformed query is read leniently by default', async () => {
      for (const query of ['"trims the wick', 'lamp (keeper', 'keeper)', 'lamp OR', 'AND lamp']) {
        assert.ok((await results(query)).length > 0, query);
      }
      assert.deepEqual(await results('OR'), []);
    });

    it('strict: true refuses a malformed query with 400 naming the character', async () => {
      for (const [query, position] of [
        ['"trims the wick', 1],
        ['lamp (keeper', 6],
        ['keeper)', 7],
        ['lamp OR', 6],
        ['AND lamp', 1],
        ['lamp - wick', 6],
        ['title: lamp', 1],
      ] as const) {
        const response = await search({ query, strict: true });
        const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
        assert.match(String(problem.detail), new RegExp(`at character ${position}\\b`), query);
      }
      const fine = await search({ query: '"trims the wick" OR (tide -storm)', strict: true });
      assert.equal(fine.statusCode, 200, fine.body);
    });

    it('300 random queries answer 200 (or 400 when strict), never a 500', async () => {
      const next = random(name === 'sqlite' ? 18 : 1800);
      const failures: string[] = [];
      for (let i = 0; i < 300; i++) {
        const query = randomQuery(next);
        const strict = next() < 0.5;
        const response = await search({ query, strict, limit: 5 });
        const ok = response.statusCode === 200 || (strict && response.statusCode === 400);
        if (!ok) failures.push(`${JSON.stringify(query)} strict=${strict}: ${response.body}`);
      }
      assert.deepEqual(failures, []);
    });
  });
}
