/**
 * The same contract over a real socket (startServer, port 0): what app.inject() cannot show —
 * the HTTP parser's own errors, timeouts and real headers on the wire.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { onCleanup, tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet } from '../helpers/http-client.js';
import { captureLogs, type LogLine } from '../helpers/logs.js';

/** Sends raw bytes and returns everything the server answers before closing. */
function rawExchange(url: string, payload: string, timeoutMs = 5000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms; got: ${answer}`));
    });
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(payload);
  });
}

function problemOf(answer: string): {
  status: number;
  body: Record<string, unknown>;
  head: string;
} {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return {
    status: Number(head.split(' ')[1]),
    body: JSON.parse(body) as Record<string, unknown>,
    head,
  };
}

describe('a listening server', () => {
  let server: RunningServer;
  let logs: LogLine[];
  before(async () => {
    const config = loadConfig({
      QUIRE_HOST: '127.0.0.1',
      QUIRE_PORT: '0',
      QUIRE_DATA_DIR: tempDir(),
      QUIRE_HEADERS_TIMEOUT_MS: '1000',
      QUIRE_REQUEST_TIMEOUT_MS: '1500',
    });
    const captured = captureLogs();
    logs = captured.lines;
    server = await startServer({ config, logger: captured.logger, handleSignals: false });
    onCleanup(() => server.shutdown('test over'));
  });

  it('keeps and echoes a client request id over the wire, and logs it', async () => {
    const response = await httpGet(`${server.url}/livez`, {
      headers: { 'x-request-id': 'wire-id-1' },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers['x-request-id'], 'wire-id-1');
    assert.match(String(response.headers['server-timing']), /^total;dur=/);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.ok(logs.some((line) => line.msg === 'request' && line.request_id === 'wire-id-1'));
  });

  it('answers a malformed request line with 400 problem+json', async () => {
    const answer = await rawExchange(server.url, 'THIS IS NOT HTTP\r\n\r\n');
    const { status, body, head } = problemOf(answer);
    assert.equal(status, 400);
    assert.match(head, /content-type: application\/problem\+json/i);
    assert.equal(body.code, 'VALIDATION_FAILED');
    assert.match(String(body.request_id), /^[0-9a-f-]{36}$/);
  });

  it('answers oversized headers with 431 problem+json', async () => {
    const answer = await rawExchange(
      server.url,
      `GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const { status, body } = problemOf(answer);
    assert.equal(status, 431);
    assert.equal(body.code, 'REQUEST_HEADERS_TOO_LARGE');
  });

  it('closes a connection whose headers never finish (slowloris) with 408 problem+json', async () => {
    const answer = await rawExchange(server.url, 'GET /livez HTTP/1.1\r\nHost: x\r\n', 10_000);
    const { status, body } = problemOf(answer);
    assert.equal(status, 408);
    assert.equal(body.code, 'REQUEST_TIMEOUT');
  });
});

describe('an upload the client abandons mid-way', () => {
  it('leaves no staged file and no document', async () => {
    const dataDir = tempDir();
    const config = loadConfig({
      QUIRE_HOST: '127.0.0.1',
      QUIRE_PORT: '0',
      QUIRE_DATA_DIR: dataDir,
      QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
    });
    const server = await startServer({
      config,
      logger: captureLogs().logger,
      handleSignals: false,
    });
    onCleanup(() => server.shutdown('test over'));
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    const head =
      '--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n';
    socket.write(
      `POST /v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\n` +
        `Content-Type: multipart/form-data; boundary=b\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n${head}`,
    );
    for (let i = 0; i < 16; i++) socket.write(Buffer.alloc(64 * 1024, 0x61)); // 1 MiB of 10 declared
    const staging = join(dataDir, 'tmp');
    const deadline = Date.now() + 5000;
    while (!existsSync(staging) || readdirSync(staging).length === 0) {
      if (Date.now() > deadline) throw new Error('the upload never started staging');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    socket.destroy();
    const settled = Date.now() + 5000;
    while (readdirSync(staging).some((name) => name.startsWith('stage'))) {
      if (Date.now() > settled)
        throw new Error(`staged files left: ${readdirSync(staging).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const list = await httpGet(`${server.url}/v1/documents`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    assert.deepEqual(JSON.parse(list.body).data, []);
  });
});
