/**
 * The scale-out configuration (PostgreSQL + Redis) through HTTP: two app instances share
 * documents, idempotency keys, rate limits and the fetch queue.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp, onCleanup, tempDir, type TestApp } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import { assertProblem } from '../helpers/problem.js';
import { TEST_REDIS_URL, testRedis } from '../helpers/redis.js';
import { script, startUpstream } from '../helpers/upstream.js';
import { multipart } from '../helpers/multipart.js';
import { pagePhrase, textPdfBytes } from '../fixtures/documents.js';

describe('scale-out: PostgreSQL and Redis, two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let upstreamHost: string;
  let upstreamUrl: (path: string) => string;
  before(async () => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const redis = testRedis();
    await redis.select(13);
    await redis.flushdb();
    redis.disconnect();
    const upstream = await startUpstream();
    onCleanup(() => upstream.close());
    upstream.on('/paper.txt', script.status(200, 'fetched by whichever worker reserved it'));
    upstreamHost = upstream.host;
    upstreamUrl = (path) => upstream.url(path);
    // One blob volume shared by both, as a shared mount would be.
    const blobs = tempDir();
    const env = {
      QUIRE_DATABASE_URL: schema.url,
      QUIRE_REDIS_URL: `${TEST_REDIS_URL}/13`,
      QUIRE_DATA_DIR: blobs,
      QUIRE_FETCH_ALLOW_HOSTS: upstreamHost,
      QUIRE_WORKER_POLL_MS: '20',
    };
    a = await buildTestApp(env);
    b = await buildTestApp(env);
    await Promise.all([a.app.ready(), b.app.ready()]);
  });

  it('a document created on one instance is read, downloaded and deleted on the other', async () => {
    const created = await a.app.inject({
      method: 'POST',
      url: '/v1/documents',
      headers: a.admin,
      payload: { text: 'shared state', tags: ['pg'] },
    });
    assert.equal(created.statusCode, 202, created.body);
    const id = created.json().document.id;
    const read = await b.app.inject({
      method: 'GET',
      url: `/v1/documents/${id}`,
      headers: b.admin,
    });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(
      (await b.app.inject({ method: 'GET', url: `/v1/documents/${id}/file`, headers: b.admin }))
        .body,
      'shared state',
    );
    const listed = await b.app.inject({
      method: 'GET',
      url: '/v1/documents?tag=pg&sort=title',
      headers: b.admin,
    });
    assert.deepEqual(
      listed.json().data.map((d: { id: string }) => d.id),
      [id],
    );
    assert.equal(
      (await b.app.inject({ method: 'DELETE', url: `/v1/documents/${id}`, headers: b.admin }))
        .statusCode,
      204,
    );
    assertProblem(
      await a.app.inject({ method: 'GET', url: `/v1/documents/${id}`, headers: a.admin }),
      404,
      'NOT_FOUND',
    );
  });

  it('an Idempotency-Key used on one instance replays on the other (Redis)', async () => {
    const headers = { ...a.admin, 'idempotency-key': 'cross-instance' };
    const first = await a.app.inject({
      method: 'POST',
      url: '/v1/documents?dedupe=false',
      headers,
      payload: { text: 'once' },
    });
    const replay = await b.app.inject({
      method: 'POST',
      url: '/v1/documents?dedupe=false',
      headers,
      payload: { text: 'once' },
    });
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.json(), first.json());
  });

  it('a URL document is fetched by one of the two workers, once', async () => {
    const created = await a.app.inject({
      method: 'POST',
      url: '/v1/documents',
      headers: a.admin,
      payload: { url: upstreamUrl('/paper.txt') },
    });
    const id = created.json().document.id;
    let document = created.json().document;
    const deadline = Date.now() + 10_000;
    while (document.sha256 === null && Date.now() < deadline) {
      await sleep(25);
      document = (
        await b.app.inject({ method: 'GET', url: `/v1/documents/${id}`, headers: b.admin })
      ).json();
    }
    assert.equal(document.size_bytes, 'fetched by whichever worker reserved it'.length);
  });

  it('an uploaded PDF is extracted through the BullMQ queue by either worker, and read on the other instance', async () => {
    const form = multipart([
      { name: 'file', value: Buffer.from(await textPdfBytes(12)), filename: 'manual.pdf' },
    ]);
    const created = await a.app.inject({
      method: 'POST',
      url: '/v1/documents?dedupe=false',
      headers: { ...a.admin, ...form.headers },
      payload: form.payload,
    });
    assert.equal(created.statusCode, 202, created.body);
    const { document, job } = created.json() as { document: { id: string }; job: { id: string } };
    // The event stream on the other instance follows the job to its end.
    const events = await b.app.inject({ url: `/v1/jobs/${job.id}/events`, headers: b.admin });
    assert.match(events.body, /event: succeeded/);
    const done = await b.app.inject({ url: `/v1/jobs/${job.id}`, headers: b.admin });
    assert.equal(done.json().status, 'succeeded');
    assert.equal(done.json().attempts, 1, 'one worker ran it, once');
    const page7 = await b.app.inject({
      url: `/v1/documents/${document.id}/content?format=json&pages=7`,
      headers: b.admin,
    });
    assert.equal(page7.statusCode, 200, page7.body);
    const body = page7.json() as { pages: { number: number; text: string }[] };
    assert.equal(body.pages[0]?.number, 7);
    assert.match(body.pages[0]?.text ?? '', new RegExp(pagePhrase(7)));
    const ready = await a.app.inject({ url: `/v1/documents/${document.id}`, headers: a.admin });
    assert.deepEqual([ready.json().status, ready.json().page_count], ['ready', 12]);
  });
});
