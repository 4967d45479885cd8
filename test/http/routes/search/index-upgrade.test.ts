/**
 * Upgrading to the title and heading fields (migration 0015-search-fields, passage scheme
 * `…/fields-1`), through HTTP on SQLite and PostgreSQL: a database whose index was written the
 * way it was before (SQLite: the one-column FTS5 table of 0009 and no 0015 applied; PostgreSQL:
 * an unweighted tsvector; passages carrying the previous scheme) searches again after a server
 * of this version starts on it — the migration and the re-index at start rebuild the index, with
 * the title field.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { waitForJob } from '../../../helpers/jobs.js';
import { DATABASES } from './setup.js';

const ENV = { QUIRE_WORKER_POLL_MS: '20', QUIRE_RATE_LIMIT_SEARCH: '1000000' };

const GUIDE = [
  '# Field guide',
  '',
  '## Lighthouses',
  '',
  'The keeper trims the wick of the lamp every night.',
].join('\n');

/** The scheme passages carried before the index format was part of it. */
const OLD_SCHEME = 'structure/200/0/english';

async function search(t: TestApp, query: string): Promise<unknown[]> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/search',
    headers: t.admin,
    payload: { query },
  });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { results: unknown[] }).results;
}

/**
 * Puts the SQLite index back as it was before 0015: one column, entries from the text. The
 * migrations after 0015 go too (their records and tables), since a database at 0014 had none.
 */
function downgradeSqlite(dataDir: string): void {
  const db = new Database(join(dataDir, 'quire.db'));
  try {
    db.exec(`DROP TABLE passages_fts;
      CREATE VIRTUAL TABLE passages_fts USING fts5(text, content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2');
      INSERT INTO passages_fts (rowid, text)
        SELECT r.rowid, p.text FROM passages_fts_rows r JOIN passages p ON p.id = r.passage_id;
      DROP TABLE passage_vectors;
      DROP TABLE staged_pages;
      UPDATE document_pages SET markdown = text WHERE markdown_is_text = 1;
      ALTER TABLE document_pages DROP COLUMN markdown_is_text;
      DELETE FROM kysely_migration WHERE name IN ('0015-search-fields', '0016-passage-vectors',
        '0017-staged-pages', '0018-markdown-as-text');`);
    db.prepare('UPDATE passages SET scheme = ?').run(OLD_SCHEME);
  } finally {
    db.close();
  }
}

/** Puts the PostgreSQL index back as it was: an unweighted tsvector of the text. */
async function downgradePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      "UPDATE passages SET search = to_tsvector('simple'::regconfig, text), scheme = $1",
      [OLD_SCHEME],
    );
  } finally {
    await client.end();
  }
}

for (const [name, database] of DATABASES) {
  describe(`search index upgrade to title and heading fields (${name})`, () => {
    it('an index written before the migration searches after it, with the title field', async () => {
      const env: Record<string, string> = { ...ENV, ...(await database()) };
      const old = await buildTestApp(env);
      const created = await old.app.inject({
        method: 'POST',
        url: '/v1/documents?dedupe=false',
        headers: old.admin,
        payload: { text: GUIDE, filename: 'guide.md', title: 'Coastal almanac' },
      });
      assert.equal(created.statusCode, 202, created.body);
      const { job } = created.json() as { job: { id: string } };
      assert.equal((await waitForJob(old, job.id)).status, 'succeeded');
      await old.app.close();

      const url = env.QUIRE_DATABASE_URL;
      if (url === undefined) downgradeSqlite(old.dataDir);
      else await downgradePostgres(url);

      const fresh = await buildTestApp({ ...env, QUIRE_DATA_DIR: old.dataDir });
      try {
        const deadline = Date.now() + 20_000;
        let titled: unknown[] = [];
        while (Date.now() < deadline) {
          titled = await search(fresh, 'title:almanac');
          if (titled.length > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.ok(titled.length > 0, 'not re-indexed with its title within 20 s');
        assert.ok((await search(fresh, 'wick')).length > 0);
        assert.ok((await search(fresh, 'heading:lighthouses')).length > 0);
      } finally {
        await fresh.app.close();
      }
    });
  });
}
