/**
 * examples/langchain (QuireLoader, QuireRetriever and LangChain's CohereRerank pointed at Quire),
 * run as a user runs it — `tsx examples/langchain/search-and-rerank.ts "question"` in its own
 * process — against a listening Quire holding three documents; its output must name the loaded
 * documents and the right passages, best first, in both its JSON and its text form.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, TEST_ADMIN_KEY, type TestApp } from '../helpers/app.js';
import { waitForJob } from '../helpers/jobs.js';
import { runScript } from '../helpers/process.js';

const SCRIPT = 'examples/langchain/search-and-rerank.ts';

const DOCUMENTS = [
  {
    title: 'Harbour log',
    text: 'The pelicans returned to the harbour in March. Pelican nests were counted on the north pier.',
  },
  {
    title: 'Bakery notes',
    text: 'Sourdough bread needs a long cold fermentation. The bakery opens at six.',
  },
  {
    title: 'Birdwatching guide',
    text: 'Gulls and terns are common on the coast. A pelican is rarely seen this far north.',
  },
];

interface ExampleOutput {
  query: string;
  documents: number;
  candidates: number;
  passages: {
    document_id: string;
    title: string | null;
    page: number;
    relevance_score: number;
    text: string;
  }[];
}

describe('examples/langchain against a live Quire', () => {
  let t: TestApp;
  let env: Record<string, string>;
  const ids = new Map<string, string>();

  before(async () => {
    t = await buildTestApp();
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    env = { QUIRE_URL: url, QUIRE_API_KEY: TEST_ADMIN_KEY };
    for (const { title, text } of DOCUMENTS) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/documents',
        headers: t.admin,
        payload: { text, title },
      });
      assert.equal(response.statusCode, 202, response.body);
      const created = response.json<{ document: { id: string }; job: { id: string } }>();
      const job = await waitForJob(t, created.job.id);
      assert.equal(job.status, 'succeeded', JSON.stringify(job));
      ids.set(title, created.document.id);
    }
  });

  it('loads every document, then keeps the best passages reranked through Quire (JSON)', async () => {
    const run = await runScript(SCRIPT, ['pelican nests', '--top', '2', '--json'], env, 60_000);
    assert.equal(run.code, 0, run.stderr);
    const output = JSON.parse(run.stdout) as ExampleOutput;
    assert.equal(output.documents, 3);
    assert.equal(output.candidates, 2, 'search found the two pelican documents');
    assert.deepEqual(
      output.passages.map((passage) => passage.title),
      ['Harbour log', 'Birdwatching guide'],
    );
    assert.equal(output.passages[0]?.document_id, ids.get('Harbour log'));
    assert.equal(output.passages[0]?.page, 1);
    assert.match(output.passages[0]?.text ?? '', /Pelican nests were counted/);
    const [first, second] = output.passages.map((passage) => passage.relevance_score);
    assert.ok(first !== undefined && second !== undefined && first > second && second > 0);
  });

  it('prints a readable answer, and fails with a message without its settings', async () => {
    const run = await runScript(SCRIPT, ['sourdough', '--top', '1'], env, 60_000);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Loaded 3 documents from Quire\.$/m);
    assert.match(run.stdout, /^1\. Bakery notes \(page 1, score 0\.\d{3}\)$/m);
    assert.match(run.stdout, /Sourdough bread needs a long cold fermentation/);

    const unauthenticated = await runScript(
      SCRIPT,
      ['pelican'],
      { ...env, QUIRE_API_KEY: 'qk_wrong-key-000000000000000000000000000' },
      60_000,
    );
    assert.notEqual(unauthenticated.code, 0);
    assert.match(unauthenticated.stderr, /Quire answered 401 UNAUTHENTICATED/);

    const usage = await runScript(SCRIPT, [], { QUIRE_URL: '', QUIRE_API_KEY: '' }, 60_000);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage:/);
  });
});
