/**
 * A client that declares a body longer than it sends gets 408 REQUEST_TIMEOUT once
 * QUIRE_REQUEST_TIMEOUT_MS has passed, even when that is below the headers timeout: Node kept
 * such a request open until the (larger) headers timeout, so the fuzzer saw no answer in 15 s.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { onCleanup, tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { captureLogs } from '../helpers/logs.js';

describe('a body shorter than its Content-Length', { timeout: 60_000 }, () => {
  let server: RunningServer;
  before(async () => {
    const config = loadConfig({
      QUIRE_HOST: '127.0.0.1',
      QUIRE_PORT: '0',
      QUIRE_DATA_DIR: tempDir(),
      QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      QUIRE_REQUEST_TIMEOUT_MS: '1500',
      QUIRE_HEADERS_TIMEOUT_MS: '20000',
    });
    server = await startServer({ config, logger: captureLogs().logger, handleSignals: false });
    onCleanup(() => server.shutdown('test over'));
  });

  it('is answered 408 REQUEST_TIMEOUT within a few seconds of the request timeout', async () => {
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    const started = performance.now();
    const closed = new Promise<number>((resolve) =>
      socket.on('close', () => resolve(performance.now() - started)),
    );
    socket.write(
      `POST /v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"text":"ab',
    );
    const timer = setTimeout(() => socket.destroy(), 12_000);
    const ms = await closed;
    clearTimeout(timer);
    assert.match(answer, /^HTTP\/1\.1 408 /, `no 408 within ${Math.round(ms)} ms: ${answer}`);
    assert.match(answer, /"code":"REQUEST_TIMEOUT"/);
    assert.match(answer, /\r\nX-Request-ID: [0-9a-f-]{36}\r\n/i);
  });
});
