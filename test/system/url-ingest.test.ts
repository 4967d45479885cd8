/**
 * URL ingestion end to end: POST {url} → a background fetch job (the app's own worker) → the
 * document gets its bytes and a queued extraction, or fails with a reason. The upstream is a
 * local server on 127.0.0.1, exempted from the SSRF guard with QUIRE_FETCH_ALLOW_HOSTS; the
 * forbidden targets are never connected to.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp, onCleanup, type TestApp } from '../helpers/app.js';
import { getDocument } from '../helpers/jobs.js';
import { script, startUpstream, type Upstream } from '../helpers/upstream.js';

const DOCS = '/v1/documents';

interface DocumentBody {
  id: string;
  status: string;
  sha256: string | null;
  size_bytes: number | null;
  media_type: string | null;
  error?: { code: string; message: string };
}

/** Polls the document until `done` says so (bounded). */
async function waitFor(
  t: TestApp,
  id: string,
  done: (d: DocumentBody) => boolean,
  timeoutMs = 15_000,
): Promise<DocumentBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A refusal (a 429 from the read limit) fails here with its status rather than timing out.
    const document = await getDocument<DocumentBody>(t, id);
    if (done(document)) return document;
    if (Date.now() > deadline) throw new Error(`document ${id} stayed ${JSON.stringify(document)}`);
    await sleep(25);
  }
}

const fetched = (d: DocumentBody): boolean => d.sha256 !== null || d.status === 'failed';

describe('URL ingestion', () => {
  // A fresh upstream (a new port, so a new circuit breaker) for every test; only these exact
  // host:ports are exempt from the SSRF guard.
  const pool: Upstream[] = [];
  let upstream: Upstream;
  let t: TestApp;
  beforeEach(() => {
    upstream = pool.shift() as Upstream;
  });
  before(async () => {
    for (let i = 0; i < 12; i++) {
      const fresh = await startUpstream();
      onCleanup(() => fresh.close());
      pool.push(fresh);
    }
    t = await buildTestApp({
      QUIRE_FETCH_ALLOW_HOSTS: pool.map((u) => u.host).join(','),
      QUIRE_FETCH_RETRIES: '2',
      QUIRE_FETCH_CONNECT_TIMEOUT_MS: '300',
      QUIRE_FETCH_TOTAL_TIMEOUT_MS: '5000',
      QUIRE_FETCH_MAX_BYTES: String(256 * 1024),
      QUIRE_JOB_RETRY_BASE_MS: '20',
      QUIRE_WORKER_POLL_MS: '20',
      // The polls below read the same document every 25 ms for up to 30 s.
      QUIRE_RATE_LIMIT_READ: '1000000',
    });
    await t.app.ready();
  });

  const create = async (path: string, extra: Record<string, unknown> = {}) => {
    const response = await t.app.inject({
      method: 'POST',
      url: DOCS,
      headers: t.admin,
      payload: { url: upstream.url(path), ...extra },
    });
    assert.equal(response.statusCode, 202, response.body);
    return response.json() as {
      document: DocumentBody & { source: { type: string; url: string } };
      job: { type: string };
    };
  };

  it('fetches in the background, then extracts: the document gets its bytes, type and content', async () => {
    upstream.on(
      '/report.md',
      script.status(200, '# Report\n\nQuarterly numbers.\n', { 'content-type': 'text/markdown' }),
    );
    const { document, job } = await create('/report.md', { tags: ['web'] });
    assert.deepEqual(
      [document.status, document.sha256, document.source.type, job.type],
      ['pending', null, 'url', 'fetch'],
    );
    const done = await waitFor(
      t,
      document.id,
      (d) => d.status === 'ready' || d.status === 'failed',
    );
    assert.equal(done.status, 'ready', JSON.stringify(done));
    assert.equal(done.media_type, 'text/markdown');
    const content = await t.app.inject({
      url: `${DOCS}/${document.id}/content`,
      headers: t.admin,
    });
    assert.match(content.body, /Quarterly numbers\./);
    assert.equal(done.size_bytes, 29);
    const file = await t.app.inject({
      method: 'GET',
      url: `${DOCS}/${document.id}/file`,
      headers: t.admin,
    });
    assert.equal(file.body, '# Report\n\nQuarterly numbers.\n');
    const seen = upstream.requests.find((request) => request.path === '/report.md');
    assert.equal(
      typeof seen?.headers['x-request-id'],
      'string',
      'the request id travels with the fetch',
    );
  });

  it('the fetch job reports the bytes fetched, and the total the upstream declared', async () => {
    upstream.on('/sized.txt', (_req, res) => {
      const body = Buffer.alloc(100_000, 0x61);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
      // Progress is written at most every 250 ms: pauses let it be seen half way.
      res.write(body.subarray(0, 50_000));
      setTimeout(() => res.write(body.subarray(50_000, 75_000)), 400);
      setTimeout(() => res.end(body.subarray(75_000)), 1_200);
    });
    const { document, job } = (await create('/sized.txt')) as Awaited<ReturnType<typeof create>> & {
      job: { id: string };
    };
    const progressOf = async () =>
      (await t.app.inject({ url: `/v1/jobs/${job.id}`, headers: t.admin })).json().progress as {
        done: number;
        total: number;
        unit: string;
      };
    let midway: { done: number; total: number } | undefined;
    const deadline = Date.now() + 5_000;
    while (midway === undefined && Date.now() < deadline) {
      const progress = await progressOf();
      if (progress.done > 0 && progress.done < 100_000) midway = progress;
      await sleep(100);
    }
    assert.deepEqual(midway && [midway.total, midway.done >= 50_000], [100_000, true]);
    await waitFor(t, document.id, fetched);
    assert.deepEqual(await progressOf(), { done: 100_000, total: 100_000, unit: 'bytes' });
  });

  it('succeeds after the upstream answers 500 twice', async () => {
    upstream.on(
      '/flaky.txt',
      script.sequence(
        script.status(500),
        script.status(500),
        script.status(200, 'third time lucky'),
      ),
    );
    const { document } = await create('/flaky.txt');
    const done = await waitFor(t, document.id, fetched);
    // Fetched: extraction follows at once, so the document may already be further along.
    assert.notEqual(done.status, 'failed', JSON.stringify(done));
    assert.equal(done.size_bytes, 16);
    assert.equal(upstream.hits('/flaky.txt'), 3);
  });

  it('one URL that always answers 500 fails alone: another URL of the same host is fetched', async () => {
    upstream.on('/always500', script.status(500));
    upstream.on('/sample.md', script.status(200, '# Sample\n\nStill here.\n'));
    for (let i = 0; i < 3; i++) {
      const { document } = await create('/always500');
      const failed = await waitFor(t, document.id, (d) => d.status === 'failed');
      assert.equal(failed.error?.code, 'FETCH_FAILED');
      assert.match(String(failed.error?.message), /answered 500/);
      assert.equal(failed.size_bytes, null, 'a failed URL document has no size');
    }
    const { document } = await create('/sample.md');
    const done = await waitFor(t, document.id, fetched);
    assert.notEqual(done.status, 'failed', JSON.stringify(done));
    assert.equal(done.size_bytes, 22);
    const health = await t.app.inject({ method: 'GET', url: '/health', headers: t.admin });
    assert.equal(health.json().breakers[upstream.host], 'closed');
  });

  it('an upstream whose every path fails: FETCH_FAILED after the retries, and its breaker opens', async () => {
    for (const path of ['/down.txt', '/down-2.txt', '/down-3.txt'])
      upstream.on(path, script.status(503));
    let done: DocumentBody | undefined;
    for (const path of ['/down.txt', '/down-2.txt', '/down-3.txt']) {
      const { document } = await create(path);
      done = await waitFor(t, document.id, (d) => d.status === 'failed');
    }
    assert.equal(done?.error?.code, 'FETCH_FAILED');
    const health = await t.app.inject({ method: 'GET', url: '/health', headers: t.admin });
    assert.equal(health.json().breakers[upstream.host], 'open');
    // An open breaker cuts calls to its upstream short: the process serves, degraded.
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().status, 'degraded');
    assert.ok(
      health
        .json()
        .degraded_reasons.some(
          (r: { reason: string; detail: string }) =>
            r.reason === 'breaker_open' && r.detail === upstream.host,
        ),
      JSON.stringify(health.json().degraded_reasons),
    );
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(
      metrics.body,
      new RegExp(`circuit_breaker_state\\{name="${upstream.host.replace('.', '\\.')}"\\} 2`),
    );
  });

  it('stops a download at the byte cap: PAYLOAD_TOO_LARGE, no retry', async () => {
    const endless = script.endless();
    upstream.on('/huge.bin', endless);
    const { document } = await create('/huge.bin');
    const done = await waitFor(t, document.id, (d) => d.status === 'failed');
    assert.equal(done.error?.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(upstream.hits('/huge.bin'), 1, 'not retried');
    await endless.stats.closed; // the connection was cut, not drained
    // Whatever sat in loopback socket buffers aside, the download stopped long before "forever".
    assert.ok(
      endless.stats.written < 64 * 1024 * 1024,
      `upstream wrote ${endless.stats.written} bytes`,
    );
  });

  it('a redirect to a private address fails with URL_NOT_ALLOWED without connecting there', async () => {
    let privateConnections = 0;
    const trap = createServer((socket) => {
      privateConnections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => trap.close(resolve)));
    const address = trap.address();
    const trapPort = typeof address === 'object' && address !== null ? address.port : 0;
    upstream.on('/to-private', script.redirect(`http://127.0.0.1:${trapPort}/secret`));
    const { document } = await create('/to-private');
    const done = await waitFor(t, document.id, (d) => d.status === 'failed');
    assert.equal(done.error?.code, 'URL_NOT_ALLOWED');
    assert.equal(privateConnections, 0);
  });

  it('a hostname that resolves to loopback is refused at connect time', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: DOCS,
      headers: t.admin,
      payload: { url: `http://localhost:${upstream.port}/x` },
    });
    assert.equal(response.statusCode, 202); // not a literal: checked when the job connects
    const before = upstream.connections;
    const done = await waitFor(t, response.json().document.id, (d) => d.status === 'failed');
    assert.equal(done.error?.code, 'URL_NOT_ALLOWED');
    assert.doesNotMatch(String(done.error?.message), /127\.0\.0\.1|::1|loopback/);
    assert.equal(upstream.connections, before, 'no connection was made');
  });

  it('a slow upstream times out and the document fails with FETCH_FAILED', async () => {
    upstream.on('/slow.txt', script.slowHeaders(10_000));
    const { document } = await create('/slow.txt');
    const done = await waitFor(t, document.id, (d) => d.status === 'failed', 30_000);
    assert.equal(done.error?.code, 'FETCH_FAILED');
    // Timeouts first; after five failures in a row the host's breaker opens and cuts the rest short.
    assert.match(String(done.error?.message), /timed out|timeout|circuit open/i);
    assert.ok(upstream.hits('/slow.txt') >= 2, 'timeouts are retried');
  });

  it('an unsupported type from the URL fails with UNSUPPORTED_FORMAT', async () => {
    upstream.on(
      '/image.gif',
      (_req, res) => void res.writeHead(200).end(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')),
    );
    const { document } = await create('/image.gif');
    const done = await waitFor(t, document.id, (d) => d.status === 'failed');
    assert.equal(done.error?.code, 'UNSUPPORTED_FORMAT');
    assert.equal(upstream.hits('/image.gif'), 1, 'not retried');
  });

  it('an image from the URL, with OCR off, fails with OCR_REQUIRED', async () => {
    upstream.on(
      '/image.png',
      (_req, res) =>
        void res.writeHead(200).end(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')),
    );
    const { document } = await create('/image.png');
    const done = await waitFor(t, document.id, (d) => d.status === 'failed');
    assert.equal(done.error?.code, 'OCR_REQUIRED');
    assert.match(done.error?.message ?? '', /QUIRE_OCR=on/);
    assert.equal(upstream.hits('/image.png'), 1, 'not retried');
  });
});
