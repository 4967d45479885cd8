/**
 * Encryption at rest of extracted content, through HTTP, on SQLite and PostgreSQL. With
 * QUIRE_ENCRYPTION_KEY set, a marker word of an uploaded document is in no stored page, Markdown
 * or passage column; with QUIRE_SEARCH_INDEX=off it is nowhere in the SQLite files (database,
 * WAL) and search answers 409 SEARCH_DISABLED; with search on it is in the index only, and search
 * (reranked too) still answers plaintext. The content route always answers plaintext; without a
 * key nothing changes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { buildTestApp, onCleanup, type TestApp } from '../../../helpers/app.js';
import { createPostgresSchema } from '../../../helpers/databases.js';
import { waitForJob } from '../../../helpers/jobs.js';
import { multipart } from '../../../helpers/multipart.js';
import { assertProblem } from '../../../helpers/problem.js';

const KEY = randomBytes(32).toString('base64');
const ENV = { QUIRE_WORKER_POLL_MS: '20' };
const TIMEOUT = { timeout: 60_000 };

/** A word found nowhere else: its bytes in a file can only come from the document. */
function marker(): string {
  return `zorblax${randomBytes(6).toString('hex')}`;
}

/** Uploads a text file mentioning `word` (not in its first line, which may become its title). */
async function uploadReady(t: TestApp, word: string): Promise<string> {
  const text = `Quarterly notes\n\nThe ${word} valve was inspected on Tuesday. All readings nominal.\n`;
  const form = multipart([
    { name: 'file', value: Buffer.from(text), filename: 'notes.txt', contentType: 'text/plain' },
  ]);
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/documents?dedupe=false',
    headers: { ...t.admin, ...form.headers },
    payload: form.payload,
  });
  assert.equal(created.statusCode, 202, created.body);
  const { document, job } = created.json() as { document: { id: string }; job: { id: string } };
  assert.equal((await waitForJob(t, job.id)).status, 'succeeded');
  return document.id;
}

/** The content route answers plaintext, as text and as Markdown. */
async function assertContentPlain(t: TestApp, id: string, word: string): Promise<void> {
  for (const format of ['text', 'markdown']) {
    const response = await t.app.inject({
      url: `/v1/documents/${id}/content?format=${format}`,
      headers: t.admin,
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(response.body, new RegExp(word));
  }
}

function search(t: TestApp, payload: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: '/v1/search', headers: t.admin, payload });
}

async function assertSearchFinds(t: TestApp, id: string, word: string): Promise<void> {
  for (const payload of [{ query: word }, { query: word, rerank: { method: 'lexical' } }]) {
    const response = await search(t, payload);
    assert.equal(response.statusCode, 200, response.body);
    const [hit] = (response.json() as { results: { document_id: string; text: string }[] }).results;
    assert.equal(hit?.document_id, id);
    assert.match(hit?.text ?? '', new RegExp(`The ${word} valve`));
  }
}

/** Every file under `dir` (database, WAL, blobs) that contains `word`, as bytes. */
function filesContaining(dir: string, word: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path).isFile() && readFileSync(path).includes(word)) found.push(name);
  }
  return found;
}

interface RawRows {
  /** Stored page text, Markdown and passage text that contain the word. */
  plainColumns: number;
  sealed: number[];
}

function sqliteRows(file: string, word: string): RawRows & { indexed: number } {
  const db = new Database(file, { readonly: true });
  try {
    const like = `%${word}%`;
    const plain = db
      .prepare(
        `select (select count(*) from document_pages where text like ? or markdown like ?)
              + (select count(*) from passages where text like ?) as n`,
      )
      .get(like, like, like) as { n: number };
    const sealed = db
      .prepare('select sealing from document_pages union all select sealing from passages')
      .all() as { sealing: number }[];
    const indexed = db
      .prepare('select count(*) as n from passages_fts where passages_fts match ?')
      .get(`"${word}"`) as { n: number };
    return { plainColumns: plain.n, sealed: sealed.map((row) => row.sealing), indexed: indexed.n };
  } finally {
    db.close();
  }
}

describe('content at rest on SQLite', () => {
  it(
    'key set, search off: the marker is in no file of the data dir; search is 409',
    TIMEOUT,
    async () => {
      const word = marker();
      const t = await buildTestApp({
        ...ENV,
        QUIRE_ENCRYPTION_KEY: KEY,
        QUIRE_SEARCH_INDEX: 'off',
      });
      const id = await uploadReady(t, word);
      await assertContentPlain(t, id, word);
      assertProblem(await search(t, { query: word }), 409, 'SEARCH_DISABLED');
      // Running: the database and its WAL as they are.
      assert.deepEqual(filesContaining(t.dataDir, word), []);
      await t.app.close(); // checkpoints the WAL into the database file
      assert.deepEqual(filesContaining(t.dataDir, word), []);
      const rows = sqliteRows(join(t.dataDir, 'quire.db'), word);
      assert.equal(rows.plainColumns, 0);
      assert.ok(rows.sealed.length >= 2 && rows.sealed.every((sealing) => sealing === 1));
      assert.equal(rows.indexed, 0);
    },
  );

  it(
    'key set, search on: stored rows are sealed, the marker is in the index only; search answers plaintext',
    TIMEOUT,
    async () => {
      const word = marker();
      const t = await buildTestApp({ ...ENV, QUIRE_ENCRYPTION_KEY: KEY });
      const id = await uploadReady(t, word);
      await assertContentPlain(t, id, word);
      await assertSearchFinds(t, id, word);
      await t.app.close();
      const rows = sqliteRows(join(t.dataDir, 'quire.db'), word);
      assert.equal(rows.plainColumns, 0);
      assert.ok(rows.sealed.every((sealing) => sealing === 1));
      assert.equal(rows.indexed, 1, 'the index holds the word, as documented');
    },
  );

  it('no key: nothing changes (plaintext rows, searchable)', TIMEOUT, async () => {
    const word = marker();
    const t = await buildTestApp(ENV);
    const id = await uploadReady(t, word);
    await assertContentPlain(t, id, word);
    await assertSearchFinds(t, id, word);
    await t.app.close();
    const rows = sqliteRows(join(t.dataDir, 'quire.db'), word);
    assert.ok(rows.plainColumns >= 2);
    assert.ok(rows.sealed.every((sealing) => sealing === 0));
  });
});

async function postgresApp(env: Record<string, string>): Promise<{ t: TestApp; url: string }> {
  const schema = await createPostgresSchema();
  onCleanup(() => schema.drop());
  const t = await buildTestApp({ ...ENV, ...env, QUIRE_DATABASE_URL: schema.url });
  return { t, url: schema.url };
}

async function postgresRows(url: string, word: string): Promise<RawRows & { indexed: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const like = `%${word}%`;
    const plain = await client.query<{ n: number }>(
      `select (select count(*) from document_pages where text like $1 or markdown like $1)
            + (select count(*) from passages where text like $1) as n`,
      [like],
    );
    const sealed = await client.query<{ sealing: number }>(
      'select sealing from document_pages union all select sealing from passages',
    );
    const indexed = await client.query<{ n: number }>(
      `select count(*) as n from passages where search @@ to_tsquery('simple', $1)`,
      [word],
    );
    return {
      plainColumns: Number(plain.rows[0]?.n),
      sealed: sealed.rows.map((row) => Number(row.sealing)),
      indexed: Number(indexed.rows[0]?.n),
    };
  } finally {
    await client.end();
  }
}

describe('content at rest on PostgreSQL', () => {
  it('key set, search off: no column holds the marker; search is 409', TIMEOUT, async () => {
    const word = marker();
    const { t, url } = await postgresApp({ QUIRE_ENCRYPTION_KEY: KEY, QUIRE_SEARCH_INDEX: 'off' });
    const id = await uploadReady(t, word);
    await assertContentPlain(t, id, word);
    assertProblem(await search(t, { query: word }), 409, 'SEARCH_DISABLED');
    const rows = await postgresRows(url, word);
    assert.equal(rows.plainColumns, 0);
    assert.ok(rows.sealed.length >= 2 && rows.sealed.every((sealing) => sealing === 1));
    assert.equal(rows.indexed, 0);
  });

  it(
    'key set, search on: rows sealed, the word in the tsvector only; search answers plaintext',
    TIMEOUT,
    async () => {
      const word = marker();
      const { t, url } = await postgresApp({ QUIRE_ENCRYPTION_KEY: KEY });
      const id = await uploadReady(t, word);
      await assertContentPlain(t, id, word);
      await assertSearchFinds(t, id, word);
      const rows = await postgresRows(url, word);
      assert.equal(rows.plainColumns, 0);
      assert.ok(rows.sealed.every((sealing) => sealing === 1));
      assert.equal(rows.indexed, 1);
    },
  );
});
