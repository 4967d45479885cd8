/**
 * An upload refused before its body has been read (413 past QUIRE_MAX_UPLOAD_BYTES, 401) over a
 * real socket: the answer arrives, says `Connection: close`, the connection closes cleanly, and
 * the client's next request is answered — on keep-alive agents (node:http, fetch) and raw bytes.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { onCleanup, tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { httpGet, type HttpResult } from '../helpers/http-client.js';
import { captureLogs } from '../helpers/logs.js';
import { multipart } from '../helpers/multipart.js';

const LIMIT = 5 * 1024 * 1024;
const BIG = multipart([
  { name: 'file', value: Buffer.alloc(6 * 1024 * 1024, 0x61), filename: 'big.txt' },
]);

/** POSTs `body` in 64 KiB writes, as a client streaming a file does. */
function post(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  agent: Agent,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(body.length) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('error', reject);
    for (let at = 0; at < body.length; at += 64 * 1024)
      req.write(body.subarray(at, at + 64 * 1024));
    req.end();
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

describe('an upload refused before its body is read', { timeout: 60_000 }, () => {
  let server: RunningServer;
  before(async () => {
    const config = loadConfig({
      QUIRE_HOST: '127.0.0.1',
      QUIRE_PORT: '0',
      QUIRE_DATA_DIR: tempDir(),
      QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      QUIRE_MAX_UPLOAD_BYTES: String(LIMIT),
    });
    server = await startServer({ config, logger: captureLogs().logger, handleSignals: false });
    onCleanup(() => server.shutdown('test over'));
  });

  it('413 on a 6 MB multipart upload says Connection: close, and the agent’s next request is answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    onCleanup(() => agent.destroy());
    for (let round = 0; round < 3; round++) {
      const refused = await within(
        post(
          `${server.url}/v1/documents`,
          BIG.payload,
          { ...BIG.headers, authorization: `Bearer ${TEST_ADMIN_KEY}` },
          agent,
        ),
        10_000,
        'the 413',
      );
      assert.equal(refused.status, 413, refused.body);
      assert.equal(JSON.parse(refused.body).code, 'PAYLOAD_TOO_LARGE');
      // `close` while body bytes were still unread; when the parser had already seen the whole
      // body (a loaded machine reads the client's 6 MB before the answer), Node drops it and the
      // connection may stay open. Either way the next request must be answered.
      assert.ok(['close', 'keep-alive'].includes(String(refused.headers.connection)));
      const next = await within(
        httpGet(`${server.url}/livez`, { agent }),
        5000,
        'the next request',
      );
      assert.equal(next.status, 200);
    }
  });

  it('fetch gets the 413 and then answers on the same client, without ECONNRESET', async () => {
    for (const authorization of [`Bearer ${TEST_ADMIN_KEY}`, 'Bearer qk_wrong']) {
      const form = new FormData();
      form.append('file', new Blob([Buffer.alloc(6 * 1024 * 1024, 0x62)]), 'big.txt');
      const refused = await within(
        fetch(`${server.url}/v1/documents`, {
          method: 'POST',
          body: form,
          headers: { authorization },
        }),
        10_000,
        'the refusal',
      );
      assert.ok([401, 413].includes(refused.status), String(refused.status));
      assert.match(refused.headers.get('content-type') ?? '', /problem\+json/);
      await refused.text();
      const next = await within(fetch(`${server.url}/livez`), 5000, 'the next request');
      assert.equal(next.status, 200);
      await next.text();
    }
  });

  it('on a raw socket the 413 arrives whole and the server closes without a reset', async () => {
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    let answer = '';
    let failure: Error | undefined;
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', (error) => (failure = error));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(
      `POST /v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\n` +
        `Content-Type: ${BIG.headers['content-type']}\r\nContent-Length: ${BIG.payload.length}\r\n\r\n`,
    );
    for (let at = 0; at < BIG.payload.length; at += 64 * 1024) {
      if (socket.destroyed) break;
      socket.write(BIG.payload.subarray(at, at + 64 * 1024));
    }
    await within(closed, 10_000, 'the close');
    assert.equal(failure, undefined, `socket error: ${failure?.message}`);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    assert.match(answer, /"code":"PAYLOAD_TOO_LARGE"/);
  });

  it('a request line past the header limit gets its 431, and the server drains the rest instead of resetting', async () => {
    const { hostname, port } = new URL(server.url);
    // The fuzzer's long query strings: the parser refuses the first 16 KiB while the rest is
    // still arriving. The server used to destroy the socket at the next chunk, resetting the
    // connection, which can discard a 431 the client has not read yet.
    for (let round = 0; round < 3; round++) {
      // Half-open, as a client still sending is: the server's FIN does not end our side, so
      // a server that destroys the socket instead of draining shows as EPIPE/ECONNRESET.
      const socket = connect({ port: Number(port), host: hostname, allowHalfOpen: true });
      let answer = '';
      let failure: Error | undefined;
      socket.on('error', (error) => (failure = error));
      const answered = new Promise<void>((resolve) =>
        socket.on('data', (chunk) => {
          answer += chunk.toString();
          if (answer.includes('"code":')) resolve();
        }),
      );
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.write(`GET /v1/webhooks?limit=${'9'.repeat(64 * 1024)}`);
      await within(answered, 10_000, 'the 431');
      // The rest of the request line keeps coming after the answer.
      for (let chunk = 0; chunk < 4; chunk++) {
        socket.write('9'.repeat(64 * 1024));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      socket.end(' HTTP/1.1\r\nHost: x\r\n\r\n');
      await within(closed, 10_000, 'the close');
      assert.equal(failure, undefined, `round ${round}: socket error: ${failure?.message}`);
      assert.match(answer, /^HTTP\/1\.1 431 /, `round ${round}`);
      assert.match(answer, /\r\nX-Request-ID: [0-9a-f-]{36}\r\n/i);
      assert.match(answer, /"code":"REQUEST_HEADERS_TOO_LARGE"/);
    }
  });
});
