/**
 * The HTTP fetcher through real sockets, against scripted upstreams on 127.0.0.1 only. The
 * guard is proven by listeners that must see no connection at all.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseRetryAfter } from '../../../src/adapters/http-fetcher/backoff.js';
import {
  createHttpFetcher,
  type HttpFetcherOptions,
} from '../../../src/adapters/http-fetcher/fetcher.js';
import {
  ForbiddenAddressError,
  createGuardedConnector,
} from '../../../src/adapters/http-fetcher/guarded-connector.js';
import { parseAllowHosts } from '../../../src/adapters/http-fetcher/allow-hosts.js';
import { AppError } from '../../../src/errors.js';
import { FetchError, type BreakerState, type Fetcher } from '../../../src/ports/fetcher.js';
import { onCleanup } from '../../helpers/app.js';
import { script, startUpstream } from '../../helpers/upstream.js';

const upstream = await startUpstream();
/** Not in allowHosts: must never see a connection. */
const forbidden = await startUpstream();
onCleanup(() => upstream.close());
onCleanup(() => forbidden.close());

function fetcher(overrides: Partial<HttpFetcherOptions> = {}): Fetcher {
  const created = createHttpFetcher({
    allowHosts: [upstream.host],
    connectTimeoutMs: 500,
    headersTimeoutMs: 1000,
    totalTimeoutMs: 4000,
    retries: 2,
    retryBaseMs: 10,
    breaker: { consecutiveFailures: 100, halfOpenAfterMs: 1000 },
    ...overrides,
  });
  onCleanup(() => created.close());
  return created;
}

async function rejection(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof FetchError, `expected a FetchError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('assertAllowed', () => {
  it('refuses forbidden schemes and literal addresses without connecting', () => {
    const f = fetcher();
    const before = upstream.connections + forbidden.connections;
    for (const url of [
      'http://127.0.0.1/',
      'http://[::1]/',
      'http://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://127.1/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      `http://127.0.0.1:${forbidden.port}/`,
      'file:///etc/passwd',
      'gopher://x',
      'ftp://x',
      'data:text/plain;base64,aGk=',
    ]) {
      assert.throws(
        () => f.assertAllowed(url),
        (err: unknown) => err instanceof FetchError && err.kind === 'not_allowed' && !err.retryable,
        url,
      );
    }
    f.assertAllowed('https://example.com/');
    f.assertAllowed(upstream.url('/anything'));
    assert.equal(upstream.connections + forbidden.connections, before);
  });
});

describe('SSRF guard at connect time', () => {
  it('refuses a name that resolves to loopback before connecting', async () => {
    upstream.on('/via-localhost', script.status(200, 'must not be reached'));
    const before = upstream.connections;
    const error = await rejection(
      fetcher().fetch(`http://localhost:${upstream.port}/via-localhost`, { maxBytes: 1000 }),
    );
    assert.equal(error.kind, 'not_allowed');
    assert.equal(error.retryable, false);
    assert.match(error.message, /localhost resolves to an address that is not allowed/);
    assert.doesNotMatch(error.message, /127\.0\.0\.1|::1|loopback/, 'how the name resolved');
    assert.equal(upstream.hits('/via-localhost'), 0);
    assert.equal(upstream.connections, before);
  });

  it('refuses a redirect hop to a forbidden address and never connects to it', async () => {
    forbidden.on('/secret', script.status(200, 'secret'));
    upstream.on('/to-literal', script.redirect(`http://127.0.0.1:${forbidden.port}/secret`));
    upstream.on('/to-name', script.redirect(`http://localhost:${forbidden.port}/secret`));
    upstream.on('/to-mapped', script.redirect(`http://[::ffff:7f00:1]:${forbidden.port}/secret`));
    upstream.on('/to-file', script.redirect('file:///etc/passwd'));
    const f = fetcher();
    for (const path of ['/to-literal', '/to-name', '/to-mapped', '/to-file']) {
      const error = await rejection(f.fetch(upstream.url(path), { maxBytes: 1000 }));
      assert.equal(error.kind, 'not_allowed', path);
      assert.equal(upstream.hits(path), 1, `${path} is not retried`);
    }
    assert.equal(forbidden.connections, 0);
    assert.equal(forbidden.hits('/secret'), 0);
  });

  it('the connector itself refuses forbidden literals and names, with no connection', async () => {
    const connect = createGuardedConnector({
      allowHosts: parseAllowHosts([]),
      connectTimeoutMs: 500,
    });
    for (const hostname of ['127.0.0.1', '::1', 'localhost']) {
      const err = await new Promise<Error | null>((resolve) =>
        connect({ hostname, protocol: 'http:', port: String(forbidden.port) }, (error, socket) => {
          socket?.destroy();
          resolve(error);
        }),
      );
      assert.ok(err instanceof ForbiddenAddressError, hostname);
    }
    assert.equal(forbidden.connections, 0);
  });
});

describe('redirects', () => {
  it('follows up to maxRedirects, then fails without retrying', async () => {
    upstream.on('/loop', script.redirect('/loop'));
    const error = await rejection(fetcher().fetch(upstream.url('/loop'), { maxBytes: 1000 }));
    assert.equal(error.kind, 'upstream_status');
    assert.equal(error.retryable, false);
    assert.equal(error.status, 302);
    assert.equal(upstream.hits('/loop'), 6); // the request and 5 redirects
  });

  it('returns the final URL and body after a chain of redirects', async () => {
    upstream.on('/hop-1', script.redirect('/hop-2', 301));
    upstream.on('/hop-2', script.redirect(upstream.url('/final'), 307));
    upstream.on('/final', script.bytes(10));
    const response = await fetcher().fetch(upstream.url('/hop-1'), { maxBytes: 1000 });
    assert.equal(response.status, 200);
    assert.equal(response.url, upstream.url('/final'));
    assert.equal((await readAll(response.body)).toString(), 'a'.repeat(10));
  });

  it('passes caller headers, but credentials never to another origin', async () => {
    const other = await startUpstream();
    onCleanup(() => other.close());
    other.on('/landing', script.status(200, 'landed'));
    upstream.on('/same-origin', script.redirect('/echo'));
    upstream.on('/echo', script.status(200, 'echo'));
    upstream.on('/cross-origin', script.redirect(other.url('/landing')));
    const f = fetcher({ allowHosts: [upstream.host, other.host] });
    const headers = {
      'X-Request-ID': 'req-123',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      Authorization: 'Bearer secret',
      Cookie: 'session=secret',
    };

    await readAll((await f.fetch(upstream.url('/same-origin'), { headers, maxBytes: 100 })).body);
    const echoed = upstream.requests.filter((r) => r.path === '/echo').at(-1);
    assert.equal(echoed?.headers['x-request-id'], 'req-123');
    assert.equal(echoed?.headers.authorization, 'Bearer secret');
    assert.equal(echoed?.headers.cookie, 'session=secret');

    await readAll((await f.fetch(upstream.url('/cross-origin'), { headers, maxBytes: 100 })).body);
    const first = upstream.requests.filter((r) => r.path === '/cross-origin').at(-1);
    assert.equal(first?.headers.authorization, 'Bearer secret');
    const landed = other.requests.find((r) => r.path === '/landing');
    assert.equal(landed?.headers['x-request-id'], 'req-123');
    assert.equal(landed?.headers.traceparent, headers.traceparent);
    assert.equal(landed?.headers.authorization, undefined);
    assert.equal(landed?.headers.cookie, undefined);
    assert.match(String(landed?.headers['user-agent']), /^quire\//);
  });

  it('turns a POST into a GET on 303 and keeps it on 307', async () => {
    upstream.on('/post-303', script.redirect('/target-303', 303));
    upstream.on('/post-307', script.redirect('/target-307', 307));
    upstream.on('/target-303', script.status(200));
    upstream.on('/target-307', script.status(200));
    const f = fetcher();
    const post = { method: 'POST' as const, body: '{"a":1}', maxBytes: 100 };
    const headers = { 'content-type': 'application/json' };
    await readAll((await f.fetch(upstream.url('/post-303'), { ...post, headers })).body);
    await readAll((await f.fetch(upstream.url('/post-307'), { ...post, headers })).body);
    const after303 = upstream.requests.find((r) => r.path === '/target-303');
    const after307 = upstream.requests.find((r) => r.path === '/target-307');
    assert.equal(after303?.method, 'GET');
    assert.equal(after303?.body, '');
    assert.equal(after307?.method, 'POST');
    assert.equal(after307?.body, '{"a":1}');
  });
});

describe('timeouts', () => {
  it('headers timeout → timeout, retried', async () => {
    upstream.on('/slow-headers', script.slowHeaders(2000));
    const started = Date.now();
    const error = await rejection(
      fetcher({ headersTimeoutMs: 150, retries: 1 }).fetch(upstream.url('/slow-headers'), {
        maxBytes: 100,
      }),
    );
    assert.equal(error.kind, 'timeout');
    assert.equal(error.retryable, true);
    assert.equal(upstream.hits('/slow-headers'), 2);
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
  });

  it('total timeout → timeout at once, not retried', async () => {
    upstream.on('/slow-total', script.slowHeaders(2000));
    const started = Date.now();
    const error = await rejection(
      fetcher({ totalTimeoutMs: 200 }).fetch(upstream.url('/slow-total'), { maxBytes: 100 }),
    );
    assert.equal(error.kind, 'timeout');
    assert.match(error.message, /longer than 200 ms/);
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.equal(upstream.hits('/slow-total'), 1);
  });

  it('the total deadline also bounds reading the body', async () => {
    const endless = script.endless();
    upstream.on('/endless-slow-reader', endless);
    const response = await fetcher({ totalTimeoutMs: 300 }).fetch(
      upstream.url('/endless-slow-reader'),
      { maxBytes: 1e12 },
    );
    const error = await readAll(response.body).then(
      () => assert.fail('expected the body to fail'),
      (err: unknown) => err,
    );
    assert.ok(error instanceof FetchError && error.kind === 'timeout', String(error));
    await endless.stats.closed;
  });

  it('the caller aborting stops the fetch, even during a backoff', async () => {
    upstream.on('/abort-429', script.status(429, 'later', { 'retry-after': '10' }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await rejection(
      fetcher({ totalTimeoutMs: 20_000 }).fetch(upstream.url('/abort-429'), {
        maxBytes: 100,
        signal: controller.signal,
      }),
    );
    assert.equal(error.kind, 'timeout');
    assert.match(error.message, /aborted/);
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.equal(upstream.hits('/abort-429'), 1);
  });
});

describe('retries', () => {
  it('a reset connection is retried, then fails as network', async () => {
    upstream.on('/reset', script.reset());
    const error = await rejection(fetcher().fetch(upstream.url('/reset'), { maxBytes: 100 }));
    assert.equal(error.kind, 'network');
    assert.equal(error.retryable, true);
    assert.equal(upstream.hits('/reset'), 3);
  });

  it('a refused connection is retried, then fails as network', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    assert.ok(address !== null && typeof address === 'object');
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const host = `127.0.0.1:${address.port}`;
    const error = await rejection(
      fetcher({ allowHosts: [host] }).fetch(`http://${host}/`, { maxBytes: 100 }),
    );
    assert.equal(error.kind, 'network');
    assert.equal(error.retryable, true);
  });

  it('500, 500, 200 succeeds after 3 requests', async () => {
    upstream.on(
      '/flaky',
      script.sequence(script.status(500), script.status(500), script.status(200, 'ok')),
    );
    const response = await fetcher().fetch(upstream.url('/flaky'), { maxBytes: 100 });
    assert.equal(response.status, 200);
    assert.equal((await readAll(response.body)).toString(), 'ok');
    assert.equal(upstream.hits('/flaky'), 3);
  });

  it('a 4xx is not retried', async () => {
    upstream.on('/missing', script.status(404));
    const error = await rejection(fetcher().fetch(upstream.url('/missing'), { maxBytes: 100 }));
    assert.equal(error.kind, 'upstream_status');
    assert.equal(error.status, 404);
    assert.equal(error.retryable, false);
    assert.equal(upstream.hits('/missing'), 1);
  });

  it('429 waits for Retry-After (seconds) before retrying', async () => {
    upstream.on(
      '/rate-limited',
      script.sequence(script.status(429, 'slow down', { 'retry-after': '1' }), script.status(200)),
    );
    const started = Date.now();
    const response = await fetcher().fetch(upstream.url('/rate-limited'), { maxBytes: 100 });
    const elapsed = Date.now() - started;
    await readAll(response.body);
    assert.equal(response.status, 200);
    assert.equal(upstream.hits('/rate-limited'), 2);
    assert.ok(elapsed >= 950, `retried after ${elapsed} ms, before Retry-After`);
    assert.ok(elapsed < 2500, `took ${elapsed} ms`);
  });

  it('a Retry-After past the deadline fails at once (retryable) instead of waiting', async () => {
    upstream.on('/rate-limited-long', script.status(503, 'busy', { 'retry-after': '5' }));
    const started = Date.now();
    const error = await rejection(
      fetcher({ totalTimeoutMs: 2000 }).fetch(upstream.url('/rate-limited-long'), {
        maxBytes: 100,
      }),
    );
    assert.equal(error.kind, 'upstream_status');
    assert.equal(error.status, 503);
    assert.equal(error.retryable, true);
    assert.equal(upstream.hits('/rate-limited-long'), 1);
    assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
  });

  it('parses Retry-After as seconds or an HTTP date, capped', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('1', 30_000, now), 1000);
    assert.equal(parseRetryAfter('120', 30_000, now), 30_000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', 30_000, now), 5000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', 30_000, now), 0);
    assert.equal(parseRetryAfter('soon', 30_000, now), undefined);
    assert.equal(parseRetryAfter(undefined, 30_000, now), undefined);
  });
});

/** Breaker mechanics on one path: every 5xx counts (by default only from 3 distinct paths). */
const ONE_PATH_COUNTS = (consecutiveFailures: number, halfOpenAfterMs: number) => ({
  consecutiveFailures,
  halfOpenAfterMs,
  distinctFailingPaths: 1,
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, fails fast, then half-opens and closes', async () => {
    let healthy = false;
    upstream.on('/breaker', (req, res, hit) =>
      healthy ? script.status(200, 'back')(req, res, hit) : script.status(500)(req, res, hit),
    );
    const changes: [string, BreakerState][] = [];
    const f = fetcher({
      retries: 2,
      breaker: ONE_PATH_COUNTS(3, 300),
      onBreakerChange: (host, state) => changes.push([host, state]),
    });

    const first = await rejection(f.fetch(upstream.url('/breaker'), { maxBytes: 100 }));
    assert.equal(first.kind, 'upstream_status');
    assert.equal(first.status, 500);
    assert.equal(first.retryable, true);
    assert.equal(upstream.hits('/breaker'), 3);
    assert.deepEqual(f.breakers(), { [upstream.host]: 'open' });
    assert.deepEqual(changes, [[upstream.host, 'open']]);

    const connections = upstream.connections;
    const started = Date.now();
    const fast = await rejection(f.fetch(upstream.url('/breaker'), { maxBytes: 100 }));
    assert.equal(fast.kind, 'circuit_open');
    assert.equal(fast.retryable, true);
    assert.ok(Date.now() - started < 250, `took ${Date.now() - started} ms`);
    assert.equal(upstream.hits('/breaker'), 3);
    assert.equal(upstream.connections, connections);

    await sleep(350);
    healthy = true;
    const response = await f.fetch(upstream.url('/breaker'), { maxBytes: 100 });
    assert.equal((await readAll(response.body)).toString(), 'back');
    assert.equal(upstream.hits('/breaker'), 4);
    assert.deepEqual(f.breakers(), { [upstream.host]: 'closed' });
    assert.deepEqual(
      changes.map(([, state]) => state),
      ['open', 'half_open', 'closed'],
    );
  });

  it('a failed half-open trial opens it again', async () => {
    upstream.on('/breaker-down', script.status(502));
    const f = fetcher({ retries: 0, breaker: ONE_PATH_COUNTS(1, 100) });
    assert.equal(
      (await rejection(f.fetch(upstream.url('/breaker-down'), { maxBytes: 1 }))).kind,
      'upstream_status',
    );
    assert.equal(
      (await rejection(f.fetch(upstream.url('/breaker-down'), { maxBytes: 1 }))).kind,
      'circuit_open',
    );
    await sleep(150);
    const trial = await rejection(f.fetch(upstream.url('/breaker-down'), { maxBytes: 1 }));
    assert.equal(trial.kind, 'upstream_status');
    assert.equal(upstream.hits('/breaker-down'), 2);
    assert.deepEqual(f.breakers(), { [upstream.host]: 'open' });
  });

  it('stops retrying as soon as the breaker opens, reporting the real failure', async () => {
    upstream.on('/breaker-mid', script.status(500));
    const f = fetcher({ retries: 5, breaker: ONE_PATH_COUNTS(2, 10_000) });
    const error = await rejection(f.fetch(upstream.url('/breaker-mid'), { maxBytes: 100 }));
    assert.equal(error.kind, 'upstream_status');
    assert.equal(error.status, 500);
    assert.equal(upstream.hits('/breaker-mid'), 2);
  });

  it('a 4xx counts as the host being up', async () => {
    upstream.on(
      '/breaker-mixed',
      script.sequence(
        script.status(500),
        script.status(404),
        script.status(500),
        script.status(404),
      ),
    );
    const f = fetcher({ retries: 0, breaker: ONE_PATH_COUNTS(2, 10_000) });
    for (const status of [500, 404, 500, 404]) {
      const error = await rejection(f.fetch(upstream.url('/breaker-mixed'), { maxBytes: 100 }));
      assert.equal(error.status, status);
    }
    assert.deepEqual(f.breakers(), { [upstream.host]: 'closed' });
  });

  it('one URL answering 500 fails that URL only; 5xx from several paths open the breaker', async () => {
    upstream.on('/always500', script.status(500));
    upstream.on('/sample.md', script.status(200, '# fine'));
    upstream.on('/also500-a', script.status(500));
    upstream.on('/also500-b', script.status(503));
    const f = fetcher({ retries: 2, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 10_000 } });
    for (let i = 0; i < 4; i++) {
      const error = await rejection(f.fetch(upstream.url('/always500'), { maxBytes: 100 }));
      assert.deepEqual([error.kind, error.status], ['upstream_status', 500]);
    }
    assert.equal(upstream.hits('/always500'), 12, 'each fetch retried, none cut short');
    const good = await f.fetch(upstream.url('/sample.md'), { maxBytes: 100 });
    assert.equal((await readAll(good.body)).toString(), '# fine');
    assert.deepEqual(f.breakers(), { [upstream.host]: 'closed' });
    // The host itself failing: 5xx from three distinct paths.
    await rejection(f.fetch(upstream.url('/always500'), { maxBytes: 100 }));
    await rejection(f.fetch(upstream.url('/also500-a'), { maxBytes: 100 }));
    await rejection(f.fetch(upstream.url('/also500-b'), { maxBytes: 100 }));
    assert.deepEqual(f.breakers(), { [upstream.host]: 'open' });
    const cut = await rejection(f.fetch(upstream.url('/sample.md'), { maxBytes: 100 }));
    assert.equal(cut.kind, 'circuit_open');
  });

  it('each tenant has its own breaker per host: one tenant cannot open another’s', async () => {
    upstream.on('/tenant-down', script.reset());
    upstream.on('/tenant-ok', script.status(200, 'ok'));
    const f = fetcher({ retries: 0, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 10_000 } });
    for (let i = 0; i < 2; i++)
      await rejection(f.fetch(upstream.url('/tenant-down'), { maxBytes: 100, scope: 'acme' }));
    const open = await rejection(
      f.fetch(upstream.url('/tenant-ok'), { maxBytes: 100, scope: 'acme' }),
    );
    assert.equal(open.kind, 'circuit_open');
    const other = await f.fetch(upstream.url('/tenant-ok'), { maxBytes: 100, scope: 'globex' });
    assert.equal((await readAll(other.body)).toString(), 'ok');
    assert.deepEqual(f.breakers(), { [upstream.host]: 'open' }, 'the worst state per host');
  });
});

describe('byte cap', () => {
  it('stops an endless body at the cap and closes the upstream socket', async () => {
    const endless = script.endless();
    upstream.on('/endless', endless);
    const maxBytes = 100_000;
    const response = await fetcher().fetch(upstream.url('/endless'), { maxBytes });
    let read = 0;
    const error = await (async () => {
      try {
        for await (const chunk of response.body) read += (chunk as Buffer).length;
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, 'PAYLOAD_TOO_LARGE');
    assert.ok(read <= maxBytes, `read ${read} bytes`);
    assert.ok(read > maxBytes - 64 * 1024, `read only ${read} bytes`);
    await Promise.race([
      endless.stats.closed,
      sleep(2000).then(() => assert.fail('the upstream socket was not closed')),
    ]);
    assert.ok(endless.stats.written < 10 * 1024 * 1024, `upstream wrote ${endless.stats.written}`);
  });

  it('refuses at once a Content-Length over the cap', async () => {
    upstream.on('/declared-big', script.bytes(5000));
    const error = await rejection(
      fetcher().fetch(upstream.url('/declared-big'), { maxBytes: 4999 }),
    );
    assert.equal(error.kind, 'too_large');
    assert.equal(error.retryable, false);
    assert.equal(upstream.hits('/declared-big'), 1);
  });

  it('delivers a body of exactly the cap', async () => {
    upstream.on('/exact', script.bytes(4096));
    const response = await fetcher().fetch(upstream.url('/exact'), { maxBytes: 4096 });
    assert.equal(response.headers['content-length'], '4096');
    assert.equal((await readAll(response.body)).length, 4096);
  });
});

describe('post (webhook deliveries)', () => {
  const send = (f: Fetcher, path: string, timeoutMs = 1000, signal?: AbortSignal) =>
    f.post(upstream.url(path), {
      headers: { 'content-type': 'application/json', 'quire-event': 'document.ready' },
      body: '{"hello":"world"}',
      timeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });

  it('sends one POST with the body and headers, and returns any status as an answer', async () => {
    upstream.on('/hook-ok', script.status(202, 'accepted', { 'x-receiver': 'yes' }));
    upstream.on('/hook-500', script.status(500));
    upstream.on('/hook-404', script.status(404));
    const f = fetcher();
    const ok = await send(f, '/hook-ok');
    assert.equal(ok.status, 202);
    assert.equal(ok.headers['x-receiver'], 'yes');
    const seen = upstream.requests.find((request) => request.path === '/hook-ok');
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.body, '{"hello":"world"}');
    assert.equal(seen?.headers['content-type'], 'application/json');
    assert.equal(seen?.headers['quire-event'], 'document.ready');
    assert.equal(seen?.headers['content-length'], '17');
    assert.match(String(seen?.headers['user-agent']), /^quire\//);
    assert.equal((await send(f, '/hook-500')).status, 500);
    assert.equal((await send(f, '/hook-404')).status, 404);
    assert.equal(upstream.hits('/hook-500'), 1, 'never retried: the job retries');
  });

  it('does not follow redirects', async () => {
    upstream.on('/hook-moved', script.redirect(upstream.url('/hook-target'), 307));
    upstream.on('/hook-target', script.status(200));
    const answer = await send(fetcher(), '/hook-moved');
    assert.equal(answer.status, 307);
    assert.equal(answer.headers.location, upstream.url('/hook-target'));
    assert.equal(upstream.hits('/hook-target'), 0);
  });

  it('applies the SSRF guard: literals at once, names when they resolve, nothing sent', async () => {
    forbidden.on('/hook', script.status(200));
    const f = fetcher();
    for (const url of [
      `http://127.0.0.1:${forbidden.port}/hook`,
      'http://[::1]/hook',
      'http://169.254.169.254/latest',
      `http://localhost:${forbidden.port}/hook`,
      'ftp://example.com/hook',
    ]) {
      const error = await rejection(f.post(url, { headers: {}, body: '{}', timeoutMs: 1000 }));
      assert.equal(error.kind, 'not_allowed', url);
      assert.equal(error.retryable, false, url);
    }
    assert.equal(forbidden.connections, 0);
  });

  it('a receiver that does not answer in time → timeout (retryable)', async () => {
    upstream.on('/hook-slow', script.slowHeaders(3000));
    const started = Date.now();
    const error = await rejection(send(fetcher(), '/hook-slow', 200));
    assert.equal(error.kind, 'timeout');
    assert.equal(error.retryable, true);
    assert.match(error.message, /within 200 ms/);
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  });

  it('the caller aborting stops it', async () => {
    upstream.on('/hook-abort', script.slowHeaders(3000));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(send(fetcher(), '/hook-abort', 2000, controller.signal));
    assert.equal(error.kind, 'timeout');
    assert.match(error.message, /aborted/);
  });

  it('a reset connection → network (retryable)', async () => {
    upstream.on('/hook-reset', script.reset());
    const error = await rejection(send(fetcher(), '/hook-reset'));
    assert.equal(error.kind, 'network');
    assert.equal(error.retryable, true);
    assert.equal(upstream.hits('/hook-reset'), 1);
  });

  it('reads at most 64 KiB of the answer, then closes the connection', async () => {
    const endless = script.endless();
    upstream.on('/hook-endless', endless);
    const answer = await send(fetcher(), '/hook-endless', 3000);
    assert.equal(answer.status, 200);
    await Promise.race([
      endless.stats.closed,
      sleep(2000).then(() => assert.fail('the receiver socket was not closed')),
    ]);
    assert.ok(endless.stats.written < 10 * 1024 * 1024, `receiver wrote ${endless.stats.written}`);
  });

  it('5xx answers from several paths and timeouts count against the host’s breaker; 4xx and one failing receiver do not', async () => {
    upstream.on('/hook-breaker', script.sequence(script.status(400), script.status(503)));
    upstream.on('/hook-healthy', script.status(204));
    upstream.on('/hook-503-b', script.status(503));
    upstream.on('/hook-503-c', script.status(502));
    const f = fetcher({ breaker: { consecutiveFailures: 2, halfOpenAfterMs: 10_000 } });
    assert.equal((await send(f, '/hook-breaker')).status, 400);
    assert.deepEqual(f.breakers(), { [upstream.host]: 'closed' });
    for (let i = 0; i < 4; i++) assert.equal((await send(f, '/hook-breaker')).status, 503);
    assert.deepEqual(f.breakers(), { [upstream.host]: 'closed' }, 'one failing receiver');
    assert.equal((await send(f, '/hook-healthy')).status, 204);
    assert.equal((await send(f, '/hook-breaker')).status, 503);
    assert.equal((await send(f, '/hook-503-b')).status, 503);
    assert.equal((await send(f, '/hook-503-c')).status, 502);
    assert.equal((await send(f, '/hook-breaker')).status, 503);
    assert.deepEqual(f.breakers(), { [upstream.host]: 'open' });
    const error = await rejection(send(f, '/hook-healthy'));
    assert.equal(error.kind, 'circuit_open');
    assert.equal(error.retryable, true);
    assert.equal(upstream.hits('/hook-breaker'), 7);

    upstream.on('/hook-hang', script.slowHeaders(3000));
    const g = fetcher({ breaker: { consecutiveFailures: 2, halfOpenAfterMs: 10_000 } });
    for (let i = 0; i < 2; i++)
      assert.equal((await rejection(send(g, '/hook-hang', 100))).kind, 'timeout');
    assert.equal((await rejection(send(g, '/hook-hang', 100))).kind, 'circuit_open');
  });

  it('refuses after close', async () => {
    const f = fetcher();
    await f.close();
    const error = await rejection(send(f, '/hook-ok'));
    assert.equal(error.kind, 'network');
    assert.equal(error.retryable, false);
  });
});

describe('lifecycle', () => {
  it('refuses to fetch after close', async () => {
    const f = fetcher();
    await f.close();
    await f.close();
    const error = await rejection(f.fetch(upstream.url('/exact'), { maxBytes: 10_000 }));
    assert.equal(error.kind, 'network');
    assert.equal(error.retryable, false);
  });
});
