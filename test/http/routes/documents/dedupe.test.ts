/**
 * Content dedupe through HTTP under concurrency: parallel uploads of the same bytes make one
 * document, on SQLite (one instance) and on PostgreSQL (two instances sharing one schema); the
 * uniqueness goes with the document when it is deleted; a failed document is extracted again when
 * its bytes are uploaded again (with the password an encrypted PDF needs), never handed back as
 * a failed duplicate.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { writeEncryptedPdf } from '../../../fixtures/documents.js';
import { buildTestApp, onCleanup, tempDir, type TestApp } from '../../../helpers/app.js';
import { createPostgresSchema } from '../../../helpers/databases.js';
import { getDocument, waitForJob } from '../../../helpers/jobs.js';
import { multipart } from '../../../helpers/multipart.js';
import { DOCS } from './setup.js';

interface CreatedBody {
  document: { id: string; status: string };
  job: { id: string } | null;
  deduplicated?: boolean;
}

function uploadTo(t: TestApp, bytes: Buffer, fields: { name: string; value: string }[] = []) {
  const form = multipart([...fields, { name: 'file', value: bytes, filename: 'same.txt' }]);
  return t.app.inject({
    method: 'POST',
    url: DOCS,
    headers: { ...t.admin, ...form.headers },
    payload: form.payload,
  });
}

/** Sends `count` uploads of the same bytes at once, spread over `apps`; asserts one document. */
async function raceUploads(apps: TestApp[], count: number): Promise<void> {
  const bytes = Buffer.from(`same bytes ${randomBytes(8).toString('hex')}\n`.repeat(50));
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => uploadTo(apps[i % apps.length] as TestApp, bytes)),
  );
  const statuses = answers.map((answer) => answer.statusCode).sort();
  assert.deepEqual(statuses, [...Array<number>(count - 1).fill(200), 202], 'one 202, the rest 200');
  const bodies = answers.map((answer) => answer.json() as CreatedBody);
  const ids = new Set(bodies.map((body) => body.document.id));
  assert.equal(ids.size, 1, `one document, not ${ids.size}`);
  for (const body of bodies.filter((b) => b.job === null)) assert.equal(body.deduplicated, true);
  const listed = await (apps[0] as TestApp).app.inject({
    method: 'GET',
    url: `${DOCS}?limit=200`,
    headers: (apps[0] as TestApp).admin,
  });
  const same = (listed.json().data as { id: string; sha256: string }[]).filter((d) =>
    ids.has(d.id),
  );
  assert.equal(same.length, 1);
  const all = (listed.json().data as { sha256: string }[]).filter(
    (d) => d.sha256 === (same[0] as { sha256: string }).sha256,
  );
  assert.equal(all.length, 1, 'the tenant has one document with these bytes');
}

describe('dedupe under concurrency: SQLite, one instance', { timeout: 60_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ QUIRE_ROLE: 'api' });
  });

  // Two processes sharing one SQLite file: test/system/dedupe-processes.test.ts.
  it('8 parallel uploads of the same bytes: one document (202), seven 200 deduplicated', async () => {
    await raceUploads([t], 8);
    await raceUploads([t], 4);
  });

  it('deleting the document frees its bytes: the next upload makes a new one', async () => {
    const bytes = Buffer.from('deleted then uploaded again\n');
    const first = (await uploadTo(t, bytes)).json() as CreatedBody;
    const gone = await t.app.inject({
      method: 'DELETE',
      url: `${DOCS}/${first.document.id}`,
      headers: t.admin,
    });
    assert.equal(gone.statusCode, 204);
    const again = await uploadTo(t, bytes);
    assert.equal(again.statusCode, 202, again.body);
    assert.notEqual((again.json() as CreatedBody).document.id, first.document.id);
    assert.equal((await uploadTo(t, bytes)).statusCode, 200);
  });
});

describe('dedupe under concurrency: PostgreSQL, two instances', { timeout: 60_000 }, () => {
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const env = { QUIRE_DATABASE_URL: schema.url, QUIRE_DATA_DIR: tempDir(), QUIRE_ROLE: 'api' };
    a = await buildTestApp(env);
    b = await buildTestApp(env);
    await Promise.all([a.app.ready(), b.app.ready()]);
  });

  it('8 parallel uploads of the same bytes over two instances: one document', async () => {
    await raceUploads([a, b], 8);
    await raceUploads([a, b], 4);
  });
});

describe('dedupe of a failed document', { timeout: 90_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  it('an encrypted PDF that failed, uploaded again with its password: 202, the same document extracted again', async () => {
    const locked = readFileSync(await writeEncryptedPdf(tempDir(), 'open-sesame'));
    const first = await uploadTo(t, locked);
    assert.equal(first.statusCode, 202, first.body);
    const created = first.json() as CreatedBody;
    const failed = await waitForJob(t, (created.job as { id: string }).id);
    assert.equal(failed.error?.code, 'DOCUMENT_ENCRYPTED');
    assert.equal((await getDocument(t, created.document.id)).status, 'failed');

    const again = await uploadTo(t, locked, [{ name: 'password', value: 'open-sesame' }]);
    assert.equal(again.statusCode, 202, again.body);
    const body = again.json() as CreatedBody;
    assert.equal(body.document.id, created.document.id, 'the same document');
    assert.equal(body.deduplicated, true);
    assert.equal(body.document.status, 'pending');
    assert.equal(again.headers.location, `${DOCS}/${created.document.id}`);
    assert.ok(body.job !== null, 'a new extraction job');
    assert.equal((await waitForJob(t, body.job.id)).status, 'succeeded');
    const ready = await getDocument(t, created.document.id);
    assert.deepEqual([ready.status, ready.page_count], ['ready', 2]);

    // Ready now: the same bytes again are a plain duplicate, with no job.
    const third = await uploadTo(t, locked, [{ name: 'password', value: 'open-sesame' }]);
    assert.equal(third.statusCode, 200, third.body);
    assert.equal((third.json() as CreatedBody).job, null);
  });

  it('concurrent re-uploads of a failed document start one extraction', async () => {
    // A file whose extraction fails for good: a PDF header on garbage.
    const broken = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(4096)]);
    const first = (await uploadTo(t, broken)).json() as CreatedBody;
    const failed = await waitForJob(t, (first.job as { id: string }).id);
    assert.equal(failed.status === 'failed' || failed.status === 'dead', true, failed.status);
    assert.equal((await getDocument(t, first.document.id)).status, 'failed');
    const answers = await Promise.all(Array.from({ length: 4 }, () => uploadTo(t, broken)));
    const bodies = answers.map((answer) => answer.json() as CreatedBody);
    assert.deepEqual(
      answers.map((answer) => answer.statusCode).sort(),
      [200, 200, 200, 202],
      answers.map((answer) => answer.body).join('\n'),
    );
    assert.ok(bodies.every((body) => body.document.id === first.document.id));
    const jobs = await t.app.inject({
      method: 'GET',
      url: `/v1/jobs?document_id=${first.document.id}`,
      headers: t.admin,
    });
    assert.equal(jobs.json().data.length, 2, 'the first extraction and one more');
  });
});

/** Sends `count` reprocess requests for one document at once; asserts one new job. */
async function raceReprocess(apps: TestApp[], count: number): Promise<void> {
  const first = apps[0] as TestApp;
  const created = (
    await uploadTo(first, Buffer.from(`reprocess me ${randomBytes(8).toString('hex')}\n`))
  ).json() as CreatedBody;
  assert.equal((await waitForJob(first, (created.job as { id: string }).id)).status, 'succeeded');
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const t = apps[i % apps.length] as TestApp;
      return t.app.inject({
        method: 'POST',
        url: `${DOCS}/${created.document.id}/reprocess`,
        headers: t.admin,
        payload: {},
      });
    }),
  );
  assert.deepEqual(
    answers.map((answer) => answer.statusCode).sort(),
    [202, ...Array<number>(count - 1).fill(409)],
    answers.map((answer) => answer.body).join('\n'),
  );
  const jobs = await first.app.inject({
    method: 'GET',
    url: `/v1/jobs?document_id=${created.document.id}`,
    headers: first.admin,
  });
  assert.equal(jobs.json().data.length, 2, 'the first extraction and one more');
}

describe('concurrent reprocess of one document', { timeout: 90_000 }, () => {
  it('SQLite, one instance: 6 at once start one extraction, the rest 409', async () => {
    await raceReprocess([await buildTestApp({ QUIRE_ROLE: 'all' })], 6);
  });

  it('PostgreSQL, two instances: 6 at once start one extraction, the rest 409', async () => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const env = { QUIRE_DATABASE_URL: schema.url, QUIRE_DATA_DIR: tempDir() };
    const a = await buildTestApp(env);
    const b = await buildTestApp({ ...env, QUIRE_ROLE: 'api' });
    await raceReprocess([a, b], 6);
  });
});
