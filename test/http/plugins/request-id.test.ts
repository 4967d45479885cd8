/** Request ids through HTTP: kept, validated or generated, echoed, and in logs and error bodies. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { before, describe, it } from 'node:test';
import { buildTestApp, requestLine, type TestApp } from '../../helpers/app.js';

/** Sends `request` as raw bytes and resolves with the response's status line. */
function rawRequest(url: URL, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(request, 'latin1'));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received.split('\r\n', 1)[0] ?? ''));
  });
}

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

  it('logs a path with quotes and backslashes as it came, in a line that parses', async () => {
    // Node's parser lets `"` and `\` through in a request target; inject would percent-encode them.
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const head = await rawRequest(
      new URL(address),
      'GET /nowhere/"quoted"\\back?q="x" HTTP/1.1\r\nHost: quire\r\nX-Request-ID: odd-path-1\r\nConnection: close\r\n\r\n',
    );
    assert.match(head, /^HTTP\/1\.1 404 /);
    // The sink parses every line it gets: a line with a broken string would fail the test there.
    const line = requestLine(t.logs, 'odd-path-1');
    assert.ok(line, 'the request line was written and parsed');
    assert.equal(line.path, '/nowhere/"quoted"\\back');
    assert.equal(line.route, null);
    assert.equal(line.code, 'NOT_FOUND');
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
