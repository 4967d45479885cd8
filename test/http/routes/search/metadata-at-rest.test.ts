/**
 * Encryption at rest of what is not page text, through HTTP, on SQLite and PostgreSQL: with
 * QUIRE_ENCRYPTION_KEY set, a PDF's declared metadata (title, author, subject, keywords holding a
 * marker) is in no file of the data directory (database, WAL, blobs) and no raw column — neither
 * in `documents.extracted` nor in the `document.ready` event kept in `webhook_deliveries.data` —
 * while GET /v1/documents/{id} and the webhook receiver get it in plaintext. An encrypted PDF's
 * password is sealed in its job while it runs and gone from the job once it has finished, with or
 * without a key; it is in no job answer and no log line.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { buildTestApp, onCleanup, tempDir, type TestApp } from '../../../helpers/app.js';
import { createPostgresSchema } from '../../../helpers/databases.js';
import { getDocument, waitForJob } from '../../../helpers/jobs.js';
import { multipart } from '../../../helpers/multipart.js';
import { script, startUpstream, type Upstream } from '../../../helpers/upstream.js';
import { writeEncryptedPdf } from '../../../fixtures/documents.js';

const KEY = randomBytes(32).toString('base64');
const ENV = { QUIRE_WORKER_POLL_MS: '20', QUIRE_SEARCH_INDEX: 'off' };
const TIMEOUT = { timeout: 60_000 };

/** A word found nowhere else: its bytes in a file can only come from the document. */
const marker = (): string => `quibblex${randomBytes(6).toString('hex')}`;

/** A one-page PDF whose text never names `word`, and whose declared metadata does. */
async function pdfWithMetadata(word: string): Promise<Buffer> {
  const document = await PDFDocument.create();
  document.setTitle(`Report ${word}`);
  document.setAuthor(`Author ${word}`);
  document.setSubject(`Subject ${word}`);
  document.setKeywords([word]);
  const font = await document.embedFont(StandardFonts.Helvetica);
  document.addPage([612, 792]).drawText('Plain body words only.', { x: 72, y: 720, font });
  return Buffer.from(await document.save());
}

async function upload(
  t: TestApp,
  bytes: Buffer,
  fields: { name: string; value: string }[] = [],
): Promise<{ documentId: string; jobId: string }> {
  const form = multipart([
    ...fields,
    { name: 'file', value: bytes, filename: 'report.pdf', contentType: 'application/pdf' },
  ]);
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/documents?dedupe=false',
    headers: { ...t.admin, ...form.headers },
    payload: form.payload,
  });
  assert.equal(created.statusCode, 202, created.body);
  const { document, job } = created.json() as { document: { id: string }; job: { id: string } };
  return { documentId: document.id, jobId: job.id };
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

interface Receiver {
  sink: Upstream;
  env: Record<string, string>;
}

async function startReceiver(): Promise<Receiver> {
  const sink = await startUpstream();
  onCleanup(() => sink.close());
  sink.on('/hook', script.status(204, ''));
  return { sink, env: { QUIRE_FETCH_ALLOW_HOSTS: sink.host } };
}

async function subscribe(t: TestApp, receiver: Receiver): Promise<void> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: t.admin,
    payload: { url: receiver.sink.url('/hook'), events: ['document.ready'] },
  });
  assert.equal(response.statusCode, 201, response.body);
}

/** The document.ready body the receiver got for this document. */
async function delivered(receiver: Receiver, documentId: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const request = receiver.sink.requests.find((seen) => seen.body.includes(documentId));
    if (request !== undefined) return request.body;
    if (Date.now() > deadline) assert.fail('the document.ready event was not delivered');
    await sleep(25);
  }
}

/** Uploads the marked PDF, waits for it to be ready and delivered; checks the plaintext views. */
async function readyAndDelivered(t: TestApp, receiver: Receiver, word: string): Promise<string> {
  await subscribe(t, receiver);
  const { documentId, jobId } = await upload(t, await pdfWithMetadata(word));
  assert.equal((await waitForJob(t, jobId)).status, 'succeeded');
  const document = await getDocument(t, documentId);
  assert.equal(document.extracted.title, `Report ${word}`);
  assert.equal(document.extracted.author, `Author ${word}`);
  const body = JSON.parse(await delivered(receiver, documentId)) as {
    type: string;
    data: { document: { extracted: Record<string, unknown> } };
  };
  assert.equal(body.type, 'document.ready');
  assert.equal(body.data.document.extracted.title, `Report ${word}`);
  return documentId;
}

/** Uploads the encrypted PDF with its password and waits for it to be ready. */
async function passwordJob(t: TestApp, password: string): Promise<string> {
  const path = await writeEncryptedPdf(tempDir(), password);
  const { jobId } = await upload(t, readFileSync(path), [{ name: 'password', value: password }]);
  const job = await t.app.inject({ url: `/v1/jobs/${jobId}`, headers: t.admin });
  assert.ok(!job.body.includes(password), 'the job answer never shows the password');
  assert.equal((await waitForJob(t, jobId)).status, 'succeeded');
  for (const url of [`/v1/jobs/${jobId}`, '/v1/jobs']) {
    const response = await t.app.inject({ url, headers: t.admin });
    assert.equal(response.statusCode, 200);
    assert.ok(!response.body.includes(password), `${url} never shows the password`);
  }
  assert.ok(!JSON.stringify(t.logs).includes(password), 'no log line holds the password');
  return jobId;
}

interface JobColumns {
  payload: string;
  secrets: string | null;
}

function sqliteJob(file: string, jobId: string): JobColumns {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('select payload, secrets from jobs where id = ?').get(jobId) as JobColumns;
  } finally {
    db.close();
  }
}

describe('metadata and job secrets at rest on SQLite', () => {
  it(
    'key set: the metadata marker is in no file, yet GET and the webhook show it',
    TIMEOUT,
    async () => {
      const word = marker();
      const receiver = await startReceiver();
      const t = await buildTestApp({ ...ENV, ...receiver.env, QUIRE_ENCRYPTION_KEY: KEY });
      await readyAndDelivered(t, receiver, word);
      assert.deepEqual(filesContaining(t.dataDir, word), []); // running: database and WAL
      await t.app.close(); // checkpoints the WAL into the database file
      assert.deepEqual(filesContaining(t.dataDir, word), []);
    },
  );

  it('key set: the PDF password is in no file, nor in job answers or logs', TIMEOUT, async () => {
    const password = `pw-${marker()}`;
    const t = await buildTestApp({ ...ENV, QUIRE_ENCRYPTION_KEY: KEY });
    const jobId = await passwordJob(t, password);
    assert.deepEqual(filesContaining(t.dataDir, password), []);
    await t.app.close();
    assert.deepEqual(filesContaining(t.dataDir, password), []);
    assert.equal(sqliteJob(join(t.dataDir, 'quire.db'), jobId).secrets, null);
  });

  it('no key: the finished job no longer holds the password', TIMEOUT, async () => {
    const password = `pw-${marker()}`;
    const t = await buildTestApp(ENV);
    const jobId = await passwordJob(t, password);
    await t.app.close();
    const columns = sqliteJob(join(t.dataDir, 'quire.db'), jobId);
    assert.equal(columns.secrets, null);
    assert.ok(!columns.payload.includes(password), columns.payload);
  });
});

async function postgresApp(env: Record<string, string>): Promise<{ t: TestApp; url: string }> {
  const schema = await createPostgresSchema();
  onCleanup(() => schema.drop());
  const t = await buildTestApp({ ...ENV, ...env, QUIRE_DATABASE_URL: schema.url });
  return { t, url: schema.url };
}

/** How many rows of `table` hold `word` in any of `columns` (cast to text). */
async function rowsHolding(
  url: string,
  table: string,
  columns: string[],
  word: string,
): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const where = columns.map((column) => `${column}::text like $1`).join(' or ');
    const { rows } = await client.query<{ n: string }>(
      `select count(*) as n from ${table} where ${where}`,
      [`%${word}%`],
    );
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

describe('metadata and job secrets at rest on PostgreSQL', () => {
  it('key set: no raw column holds the metadata marker', TIMEOUT, async () => {
    const word = marker();
    const receiver = await startReceiver();
    const { t, url } = await postgresApp({ ...receiver.env, QUIRE_ENCRYPTION_KEY: KEY });
    const id = await readyAndDelivered(t, receiver, word);
    assert.equal(await rowsHolding(url, 'documents', ['extracted'], word), 0);
    assert.equal(await rowsHolding(url, 'webhook_deliveries', ['data'], word), 0);
    assert.equal(await rowsHolding(url, 'documents', ['id'], id), 1, 'the query can find things');
  });

  it('key set and without: no job column holds the password once it ran', TIMEOUT, async () => {
    const settings: Record<string, string>[] = [{ QUIRE_ENCRYPTION_KEY: KEY }, {}];
    for (const env of settings) {
      const password = `pw-${marker()}`;
      const { t, url } = await postgresApp(env);
      const jobId = await passwordJob(t, password);
      assert.equal(await rowsHolding(url, 'jobs', ['payload', 'secrets'], password), 0);
      assert.equal(await rowsHolding(url, 'jobs', ['id'], jobId), 1);
    }
  });
});
