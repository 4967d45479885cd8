/**
 * Scale-out with the blobs in an S3-compatible bucket and no shared data directory: two app
 * instances (each its own data dir) on PostgreSQL, Redis and s3rver. A PDF uploaded on A is
 * extracted by whichever worker takes it (reading the blob from the bucket) and downloads
 * byte-identical on B, whole and by Range; deleted on B, its blob leaves the bucket.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, onCleanup, type TestApp } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import { multipart } from '../helpers/multipart.js';
import { TEST_REDIS_URL, testRedis } from '../helpers/redis.js';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { pagePhrase, textPdfBytes } from '../fixtures/documents.js';

const S3_PORT = 27104;
const REDIS_DB = 10;
const PREFIX = 'scale-out/';

describe('scale-out on S3: two instances, no shared data directory', { timeout: 90_000 }, () => {
  let a: TestApp;
  let b: TestApp;
  let s3: S3TestServer;
  /** The deployment's sentinel blob, written at first start (see /readyz), is not a document's. */
  let sentinel: Set<string>;
  const documentKeys = async (prefix: string): Promise<string[]> =>
    (await s3.keys(prefix)).filter((key) => !sentinel.has(key));
  before(async () => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const redis = testRedis();
    await redis.select(REDIS_DB);
    await redis.flushdb();
    redis.disconnect();
    s3 = await startS3Server(S3_PORT);
    // The SDK takes credentials from the standard chain: here, this process's environment.
    process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
    const env = {
      ...s3.env(PREFIX),
      QUIRE_DATABASE_URL: schema.url,
      QUIRE_REDIS_URL: `${TEST_REDIS_URL}/${REDIS_DB}`,
      QUIRE_WORKER_POLL_MS: '20',
    };
    a = await buildTestApp(env); // each gets its own temporary data directory
    b = await buildTestApp(env);
    assert.notEqual(a.dataDir, b.dataDir);
    await Promise.all([a.app.ready(), b.app.ready()]);
    sentinel = new Set(await s3.keys(PREFIX));
    assert.equal(sentinel.size, 1, 'one sentinel blob for the deployment');
  });

  it('uploads on A, extracts from the bucket, downloads whole and by Range on B, deletes on B', async () => {
    const pdf = Buffer.from(await textPdfBytes(6));
    const form = multipart([{ name: 'file', value: pdf, filename: 'manual.pdf' }]);
    const created = await a.app.inject({
      method: 'POST',
      url: '/v1/documents?dedupe=false',
      headers: { ...a.admin, ...form.headers },
      payload: form.payload,
    });
    assert.equal(created.statusCode, 202, created.body);
    const { document, job } = created.json() as {
      document: { id: string; sha256: string };
      job: { id: string };
    };
    const events = await b.app.inject({ url: `/v1/jobs/${job.id}/events`, headers: b.admin });
    assert.match(events.body, /event: succeeded/);
    const page = await b.app.inject({
      url: `/v1/documents/${document.id}/content?format=json&pages=4`,
      headers: b.admin,
    });
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.body, new RegExp(pagePhrase(4)));

    const whole = await b.app.inject({
      url: `/v1/documents/${document.id}/file`,
      headers: b.admin,
    });
    assert.equal(whole.statusCode, 200);
    assert.ok(whole.rawPayload.equals(pdf), 'whole file on B');
    const [start, end] = [100, Math.min(pdf.length - 1, 2100)];
    const part = await b.app.inject({
      url: `/v1/documents/${document.id}/file`,
      headers: { ...b.admin, range: `bytes=${start}-${end}` },
    });
    assert.equal(part.statusCode, 206);
    assert.ok(part.rawPayload.equals(pdf.subarray(start, end + 1)), 'range on B');

    const key = `${PREFIX}blobs/${document.sha256.slice(0, 2)}/${document.sha256.slice(2, 4)}/${document.sha256}`;
    assert.deepEqual(await documentKeys(`${PREFIX}blobs/`), [key]);
    const deleted = await b.app.inject({
      method: 'DELETE',
      url: `/v1/documents/${document.id}`,
      headers: b.admin,
    });
    assert.equal(deleted.statusCode, 204);
    assert.deepEqual(await documentKeys(`${PREFIX}blobs/`), [], 'the last reference took the blob');
  });
});
