/**
 * Re-index at start, through HTTP on SQLite and PostgreSQL: a document indexed by a server with
 * the old behaviour (QUIRE_PASSAGE_STRATEGY=fixed, QUIRE_SEARCH_RANKING=plain: no headings, no
 * stemming) is cut again when a server with the defaults starts on the same database, without
 * being extracted again: its chunks then carry heading paths and search stems.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { DATABASES } from './setup.js';
import { submitText, waitForJob } from '../../../helpers/jobs.js';

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

const ENV = { QUIRE_WORKER_POLL_MS: '20', QUIRE_RATE_LIMIT_READ: '1000000' };

interface Chunk {
  heading_path: string[];
  text: string;
}

async function chunks(t: TestApp, id: string): Promise<Chunk[]> {
  const response = await t.app.inject({ url: `/v1/documents/${id}/chunks`, headers: t.admin });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { data: Chunk[] }).data;
}

async function search(t: TestApp, query: string): Promise<Chunk[]> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/search',
    headers: t.admin,
    payload: { query },
  });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { results: Chunk[] }).results;
}

for (const [name, database] of DATABASES) {
  describe(`re-index at start (${name})`, () => {
    it('cuts documents indexed the old way again, with headings and stemming', async () => {
      const env = { ...ENV, ...(await database()) };
      const old = await buildTestApp({
        ...env,
        QUIRE_PASSAGE_STRATEGY: 'fixed',
        QUIRE_SEARCH_RANKING: 'plain',
      });
      const submitted = await submitText(old, GUIDE, 'guide.md');
      assert.equal((await waitForJob(old, submitted.job.id)).status, 'succeeded');
      const id = submitted.document.id;
      assert.ok((await chunks(old, id)).every((chunk) => chunk.heading_path.length === 0));
      assert.deepEqual(await search(old, 'lighthouse'), [], 'plain: no stemming');
      await old.app.close();

      const fresh = await buildTestApp({ ...env, QUIRE_DATA_DIR: old.dataDir });
      const deadline = Date.now() + 20_000;
      let headed: Chunk[] = [];
      while (Date.now() < deadline) {
        headed = await chunks(fresh, id);
        if (headed.some((chunk) => chunk.heading_path.length > 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual(
        headed.map((chunk) => chunk.heading_path.at(-1)),
        ['Field guide', 'Lighthouses', 'Harbours'],
        'not re-indexed within 20 s',
      );
      const [hit] = await search(fresh, 'lighthouse');
      assert.deepEqual(hit?.heading_path, ['Field guide', 'Lighthouses']);
    });
  });
}
