/** Request ids, trace context, Server-Timing and the one-line request log, through HTTP. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, requestLine, type TestApp } from '../helpers/app.js';

describe('request id', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    t.app.get('/test/crash', async () => {
      throw new Error('boom');
    });
  });

  it('keeps a valid client id, echoes it and logs it', async () => {
    const id = 'client-id_1.2:3';
    const response = await t.app.inject({
      method: 'GET',
      url: '/livez',
      headers: { 'x-request-id': id },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-request-id'], id);
    const line = requestLine(t.logs, id);
    assert.ok(line, 'a request log line carries the id');
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/livez');
    assert.equal(line.path, '/livez');
    assert.equal(line.status, 200);
    assert.equal(typeof line.duration_ms, 'number');
    assert.equal(
      t.logs.filter((l) => l.request_id === id && l.msg === 'request').length,
      1,
      'exactly one line',
    );
  });

  for (const [label, bad] of [
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'has space'],
    ['with a newline-like character', 'abc\u0000def'],
    ['with a slash', 'a/b'],
  ] as const) {
    it(`replaces an id ${label} with a generated one`, async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/livez',
        headers: { 'x-request-id': bad },
      });
      const echoed = String(response.headers['x-request-id']);
      assert.notEqual(echoed, bad);
      assert.match(echoed, /^[0-9a-f-]{36}$/);
      assert.ok(requestLine(t.logs, echoed));
    });
  }

  it('accepts exactly 128 characters', async () => {
    const id = 'b'.repeat(128);
    const response = await t.app.inject({
      method: 'GET',
      url: '/livez',
      headers: { 'x-request-id': id },
    });
    assert.equal(response.headers['x-request-id'], id);
  });

  it('generates an id when none is sent, distinct per request', async () => {
    const a = await t.app.inject({ method: 'GET', url: '/livez' });
    const b = await t.app.inject({ method: 'GET', url: '/livez' });
    assert.match(String(a.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
  });

  it('puts the id in error bodies and the error log', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/test/crash',
      headers: { 'x-request-id': 'err-1' },
    });
    assert.equal(JSON.parse(response.body).request_id, 'err-1');
    assert.equal(response.headers['x-request-id'], 'err-1');
    assert.ok(t.logs.some((line) => line.msg === 'request failed' && line.request_id === 'err-1'));
    assert.equal(requestLine(t.logs, 'err-1')?.status, 500);
  });
});

describe('trace context', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    t.app.get('/test/trace', async (request) => request.trace);
  });

  it('continues a valid traceparent: same trace id, the caller as parent, a new span', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const response = await t.app.inject({
      method: 'GET',
      url: '/test/trace',
      headers: { traceparent: `00-${traceId}-${parent}-01`, 'x-request-id': 'trace-1' },
    });
    const trace = response.json();
    assert.equal(trace.traceId, traceId);
    assert.equal(trace.parentSpanId, parent);
    assert.match(trace.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(trace.spanId, parent);
    assert.equal(trace.outgoing, `00-${traceId}-${trace.spanId}-01`);
    assert.equal(requestLine(t.logs, 'trace-1')?.trace_id, traceId);
  });

  for (const bad of [
    'garbage',
    `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
    '00-4bf92f35-00f067aa0ba902b7-01',
  ]) {
    it(`starts a new trace for an invalid traceparent (${bad.slice(0, 20)}…)`, async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/test/trace',
        headers: { traceparent: bad },
      });
      const trace = response.json();
      assert.match(trace.traceId, /^[0-9a-f]{32}$/);
      assert.notEqual(trace.traceId, '0'.repeat(32));
      assert.equal(trace.parentSpanId, undefined);
    });
  }
});

describe('Server-Timing', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  for (const url of ['/livez', '/no-such-route']) {
    it(`is on every response (${url})`, async () => {
      const response = await t.app.inject({ method: 'GET', url });
      assert.match(String(response.headers['server-timing']), /^total;dur=\d+(\.\d+)?$/);
    });
  }
});

describe('log redaction', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    t.app.post('/test/log-body', async (request) => {
      request.log.info({ body: request.body }, 'received');
      return { ok: true };
    });
    t.app.get('/test/crash', async () => {
      throw new Error('boom');
    });
  });

  it('redacts authorization, cookie and x-api-key headers on logged requests', async () => {
    await t.app.inject({
      method: 'GET',
      url: '/test/crash',
      headers: {
        authorization: 'Bearer qk_supersecretvalue',
        cookie: 'session=cookiesecret',
        'x-api-key': 'qk_apikeysecret',
        'x-request-id': 'redact-1',
      },
    });
    const logged = t.logs.find(
      (line) => line.msg === 'request failed' && line.request_id === 'redact-1',
    );
    assert.ok(logged);
    const text = JSON.stringify(logged);
    assert.doesNotMatch(text, /supersecretvalue|cookiesecret|apikeysecret/);
    assert.match(text, /\[Redacted\]/);
  });

  it('redacts password, secret and token fields at any depth', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/test/log-body',
      headers: { 'x-request-id': 'redact-2' },
      payload: {
        password: 'pw-secret-1',
        nested: { secret: 's-secret-2', deeper: { token: 't-secret-3' } },
        keep: 'visible',
      },
    });
    const logged = t.logs.find((line) => line.msg === 'received' && line.request_id === 'redact-2');
    assert.ok(logged);
    const text = JSON.stringify(logged);
    assert.doesNotMatch(text, /pw-secret-1|s-secret-2|t-secret-3/);
    assert.match(text, /visible/);
  });
});
