/**
 * The SDK (@quire/client, packages/client) against a live Quire listening on a port: uploads
 * with byte progress and the extraction followed through the job's event stream, documents from
 * URLs and text, search, rerank, similarity, conversion, PII, typed errors carrying the
 * problem+json code, and the transport's retries (Retry-After honoured, bounded) and
 * idempotency keys, seen through a proxy in front of the server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, describe, it } from 'node:test';
import type { Progress, Quire as QuireClient } from '@quire/client';
import { textPdfBytes, pagePhrase, writeTextPdf } from '../fixtures/documents.js';
import { buildTestApp, onCleanup, tempDir, TEST_ADMIN_KEY, type TestApp } from '../helpers/app.js';
import { ensureClientBuilt } from '../helpers/client.js';
import { ROOT } from '../helpers/process.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { problem, startProxy } from './proxy.js';

ensureClientBuilt();
const { Quire, QuireError, QuireNetworkError } = await import('@quire/client');

const WAIT = { timeoutMs: 60_000 };

describe('@quire/client against a live Quire', { timeout: 240_000 }, () => {
  let t: TestApp;
  let url: string;
  let quire: QuireClient;
  let upstream: Upstream;

  before(async () => {
    upstream = await startUpstream();
    onCleanup(() => upstream.close());
    upstream.on('/article.txt', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Fetched by the server: the lighthouse keeper logs every passing ship.\n');
    });
    t = await buildTestApp({ QUIRE_FETCH_ALLOW_HOSTS: upstream.host });
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    quire = new Quire({ baseUrl: url, apiKey: TEST_ADMIN_KEY });
  });

  it('uploads a PDF with byte progress, then follows its extraction page by page to ready', async () => {
    const bytes = await textPdfBytes(6);
    const events: Progress[] = [];
    const result = await quire.upload(new Blob([bytes], { type: 'application/pdf' }), {
      filename: 'six-pages.pdf',
      title: 'Six pages',
      tags: ['sdk', 'pdf'],
      metadata: { source: 'sdk-test' },
      wait: WAIT,
      onProgress: (progress) => events.push(progress),
    });
    assert.equal(result.document.status, 'ready');
    assert.equal(result.document.page_count, 6);
    assert.equal(result.document.title, 'Six pages');
    assert.deepEqual(result.document.tags, ['sdk', 'pdf']);
    assert.deepEqual(result.document.metadata, { source: 'sdk-test' });
    assert.equal(result.job?.status, 'succeeded');
    const uploads = events.filter((event) => event.phase === 'upload');
    assert.ok(uploads.length >= 2, 'upload progress reported');
    assert.deepEqual(uploads.at(-1), {
      phase: 'upload',
      loaded: bytes.length,
      total: bytes.length,
    });
    const extracts = events.filter((event) => event.phase === 'extract');
    assert.ok(extracts.length >= 1, 'extraction progress reported');
    const last = extracts.at(-1);
    assert.equal(last?.phase === 'extract' && last.done, 6);
    assert.equal(last?.phase === 'extract' && last.total, 6);
    // Upload progress comes before extraction progress.
    assert.ok(
      events.findIndex((e) => e.phase === 'extract') >
        events.lastIndexOf(uploads.at(-1) as Progress),
    );

    const text = await quire.content(result.document.id, { pages: '2' });
    assert.match(text, new RegExp(pagePhrase(2)));
    const json = await quire.content(result.document.id, { format: 'json', pages: '1-2' });
    assert.deepEqual(
      json.pages.map((page) => page.number),
      [1, 2],
    );
  });

  it('uploads from a path and from a stream; the same bytes again are deduplicated', async () => {
    const path = await writeTextPdf(tempDir(), 2);
    const fromPath = await quire.upload(path, { wait: WAIT });
    assert.equal(fromPath.document.status, 'ready');
    assert.equal(fromPath.document.filename, path.split('/').at(-1));
    const stream = Readable.toWeb(
      Readable.from([readFileSync(path)]),
    ) as ReadableStream<Uint8Array>;
    const again = await quire.upload(stream, { filename: 'copy.pdf' });
    assert.equal(again.deduplicated, true);
    assert.equal(again.job, null);
    assert.equal(again.document.id, fromPath.document.id);
  });

  it('creates documents from text and from a URL and waits for them', async () => {
    const fromText = await quire.createFromText('# Harbour\n\nThe tugboat pushes the tanker.\n', {
      filename: 'harbour.md',
      tags: ['sdk'],
      wait: WAIT,
    });
    assert.equal(fromText.document.status, 'ready');
    assert.equal(fromText.document.source.type, 'text');
    const fromUrl = await quire.createFromUrl(upstream.url('/article.txt'), { wait: WAIT });
    assert.equal(fromUrl.document.status, 'ready');
    assert.equal(fromUrl.document.source.type, 'url');
    assert.equal(fromUrl.job?.type, 'extract', 'the fetch job, then the extraction it queued');
    assert.match(await quire.content(fromUrl.document.id), /lighthouse keeper/);

    const listed = await quire.documents.list({ tag: ['sdk'], sort: 'title' });
    assert.deepEqual(
      listed.data.map((document) => document.title),
      ['harbour.md', 'Six pages'],
    );
  });

  it('searches, reranks and scores similarity', async () => {
    const found = await quire.search('tugboat tanker', { limit: 3 });
    assert.ok(found.results.length >= 1);
    assert.match(found.results[0]?.text ?? '', /tugboat/);
    const reranked = await quire.rerank(
      'ships at sea',
      ['a recipe for bread', 'ships sail at sea'],
      {
        return_documents: true,
      },
    );
    assert.equal(reranked.results[0]?.index, 1);
    assert.equal(reranked.results[0]?.document?.text, 'ships sail at sea');
    const similar = await quire.similarity('red apple', ['green apple', 'blue car']);
    assert.equal(similar.scores.length, 2);
    assert.ok((similar.scores[0] ?? 0) > (similar.scores[1] ?? 0));
  });

  it('converts a file without storing it, and detects and redacts personal data', async () => {
    const markdown = await quire.convert(new Blob(['# Title\n\nbody text\n']), {
      filename: 'notes.md',
      to: 'markdown',
    });
    assert.match(markdown, /# Title/);
    const detected = await quire.pii.detect('write to ann@example.com');
    assert.deepEqual(
      detected.entities.map((entity) => entity.type),
      ['email'],
    );
    const redacted = await quire.pii.redact('write to ann@example.com', { style: 'label' });
    assert.equal(redacted.text, 'write to [EMAIL]');
  });

  it('manages jobs and webhooks', async () => {
    const jobs = await quire.jobs.list({ status: 'succeeded' });
    assert.ok(jobs.data.length >= 4);
    const created = await quire.webhooks.create({
      url: upstream.url('/hook'),
      events: ['document.ready'],
    });
    assert.ok(created.secret);
    assert.deepEqual(
      (await quire.webhooks.list()).data.map((hook) => hook.id),
      [created.id],
    );
    await quire.webhooks.delete(created.id);
    assert.deepEqual((await quire.webhooks.list()).data, []);
  });

  it('throws typed errors carrying the problem+json code, status and request id', async () => {
    const missing = await quire.documents.get('doc_missing').catch((error: unknown) => error);
    assert.ok(missing instanceof QuireError);
    assert.equal(missing.code, 'NOT_FOUND');
    assert.equal(missing.status, 404);
    assert.match(missing.requestId ?? '', /\S/);

    const invalid = await quire.search('').catch((error: unknown) => error);
    assert.ok(invalid instanceof QuireError);
    assert.equal(invalid.code, 'VALIDATION_FAILED');
    assert.ok(invalid.errors.length > 0);

    const stranger = new Quire({
      baseUrl: url,
      apiKey: 'qk_not-a-real-key-000000000000000000000000',
    });
    const denied = await stranger.documents.list().catch((error: unknown) => error);
    assert.ok(denied instanceof QuireError);
    assert.equal(denied.code, 'UNAUTHENTICATED');
    assert.equal(denied.status, 401);

    const nowhere = new Quire({ baseUrl: 'http://127.0.0.1:1', retry: { maxRetries: 0 } });
    const lost = await nowhere.documents.list().catch((error: unknown) => error);
    assert.ok(lost instanceof QuireNetworkError);
    assert.equal(lost.code, 'NETWORK_ERROR');
  });

  it('retries a 429 after its Retry-After, and gives up on one longer than allowed', async () => {
    const proxy = await startProxy(url, (req, res, seen) => {
      const searches = seen.filter((request) => request.path === '/v1/search').length;
      if (req.url === '/v1/search' && searches === 1) {
        problem(res, 429, 'RATE_LIMITED', '1');
        return true;
      }
      if (req.url === '/v1/rerank') {
        problem(res, 429, 'RATE_LIMITED', '120');
        return true;
      }
      return false;
    });
    const client = new Quire({ baseUrl: proxy.url, apiKey: TEST_ADMIN_KEY });
    const started = Date.now();
    const found = await client.search('tugboat');
    assert.ok(found.results.length >= 1);
    const searches = proxy.seen.filter((request) => request.path === '/v1/search');
    assert.equal(searches.length, 2, 'sent again once');
    const waited = (searches[1]?.at ?? 0) - (searches[0]?.at ?? 0);
    assert.ok(waited >= 950, `waited ${waited} ms for Retry-After: 1`);
    assert.ok(Date.now() - started < 10_000);

    const refused = await client.rerank('q', ['a']).catch((error: unknown) => error);
    assert.ok(refused instanceof QuireError);
    assert.equal(refused.code, 'RATE_LIMITED');
    assert.equal(refused.retryAfterSeconds, 120);
    assert.equal(proxy.seen.filter((request) => request.path === '/v1/rerank').length, 1);
  });

  it('sends an Idempotency-Key on writes, the same one on a retried upload', async () => {
    const proxy = await startProxy(url, (req, res, seen) => {
      const uploads = seen.filter((request) => request.path === '/v1/documents').length;
      if (req.method === 'POST' && req.url === '/v1/documents' && uploads === 1) {
        problem(res, 503, 'OVERLOADED', '0');
        return true;
      }
      return false;
    });
    const client = new Quire({ baseUrl: proxy.url, apiKey: TEST_ADMIN_KEY });
    const created = await client.upload(new Blob(['idempotent notes\n']), { filename: 'idem.txt' });
    assert.equal(created.document.filename, 'idem.txt');
    const posts = proxy.seen.filter((request) => request.method === 'POST');
    assert.equal(posts.length, 2);
    const keys = posts.map((request) => request.headers['idempotency-key']);
    assert.match(String(keys[0]), /^[0-9a-f-]{36}$/);
    assert.equal(keys[0], keys[1]);
  });

  it('falls back to polling when the event stream is refused', async () => {
    const proxy = await startProxy(url, (req, res) => {
      if (req.url?.endsWith('/events')) {
        problem(res, 503, 'OVERLOADED', '5');
        return true;
      }
      return false;
    });
    const client = new Quire({ baseUrl: proxy.url, apiKey: TEST_ADMIN_KEY });
    const states: string[] = [];
    const result = await client.createFromText('polled into being\n', {
      filename: 'polled.txt',
      wait: { ...WAIT, pollIntervalMs: 100 },
      onProgress: (progress) => progress.phase === 'extract' && states.push(progress.job.status),
    });
    assert.equal(result.job?.status, 'succeeded');
    assert.equal(result.document.status, 'ready');
    assert.equal(states.at(-1), 'succeeded');
    assert.ok(
      proxy.seen.some((request) => /^\/v1\/jobs\/[^/]+$/.test(request.path)),
      'polled',
    );
  });

  it('reopens an event stream that ends before the job does', async () => {
    const proxy = await startProxy(url, (req, res, seen) => {
      const streams = seen.filter((request) => request.path.endsWith('/events')).length;
      if (req.url?.endsWith('/events') && streams === 1) {
        // A stream a proxy cut short: one stale event, then the end.
        const id = req.url.split('/')[3] ?? '';
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          `event: progress\ndata: ${JSON.stringify({ id, status: 'queued', progress: { done: 0, total: 0, unit: 'pages' } })}\n\n`,
        );
        return true;
      }
      return false;
    });
    const client = new Quire({ baseUrl: proxy.url, apiKey: TEST_ADMIN_KEY });
    const states: string[] = [];
    const result = await client.createFromText('followed twice\n', {
      filename: 'twice.txt',
      wait: WAIT,
      onProgress: (progress) => progress.phase === 'extract' && states.push(progress.job.status),
    });
    assert.equal(result.job?.status, 'succeeded');
    assert.equal(states[0], 'queued');
    assert.equal(states.at(-1), 'succeeded');
    assert.equal(proxy.seen.filter((request) => request.path.endsWith('/events')).length, 2);
  });

  it('keeps Node out of the browser entry: no node: import is reachable statically', () => {
    const dist = join(ROOT, 'packages/client/dist');
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(join(dist, file), 'utf8');
      for (const [, specifier] of source.matchAll(
        /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm,
      )) {
        assert.ok(!specifier?.startsWith('node:'), `${file} imports ${specifier}`);
        if (specifier?.startsWith('./')) visit(specifier.slice(2));
      }
    };
    visit('index.js');
    assert.ok(seen.has('transport.js') && seen.has('sse.js'));
    assert.ok(!seen.has('node.js'), 'the Node helpers are loaded on demand only');
  });
});
