/**
 * Graceful shutdown of the real server process: readiness off at once, new connections refused,
 * in-flight requests finished, exit 0; a second signal or the shutdown timeout exits 1.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { httpGet } from '../helpers/http-client.js';
import { spawnServer } from '../helpers/process.js';

const SLOW_SERVER = 'test/fixtures/slow-server.ts';

async function waitForStarted(
  server: Awaited<ReturnType<typeof spawnServer>>,
  count: number,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (server.logs.filter((line) => line.msg === 'slow request started').length < count) {
    if (Date.now() > deadline) throw new Error(`only some of ${count} slow requests started`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface LoadOutcome {
  answered: Record<number, number>;
  refused: number;
  resets: string[];
}

/** One keep-alive client sending `path` back to back until the server stops taking connections. */
async function keepAliveClient(url: string, outcome: LoadOutcome, until: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    while (Date.now() < until) {
      const result = await new Promise<number | NodeJS.ErrnoException>((resolve) => {
        const req = request(url, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', resolve);
        });
        req.on('error', resolve);
        req.end();
      });
      if (typeof result === 'number') {
        outcome.answered[result] = (outcome.answered[result] ?? 0) + 1;
      } else if (result.code === 'ECONNREFUSED') {
        outcome.refused += 1;
        return;
      } else {
        outcome.resets.push(`${result.code ?? ''} ${result.message}`);
      }
    }
  } finally {
    agent.destroy();
  }
}

describe('graceful shutdown (spawned server)', { timeout: 120_000 }, () => {
  it('SIGTERM with 20 slow in-flight requests: all 20 complete with 200, new connections are refused, exit 0', async () => {
    const server = await spawnServer(SLOW_SERVER, { QUIRE_SHUTDOWN_TIMEOUT_MS: '15000' });
    const inFlight = Array.from({ length: 20 }, () => httpGet(`${server.url}/test/slow?ms=1500`));
    await waitForStarted(server, 20);

    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'shutdown started: readiness off');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await assert.rejects(
      httpGet(`${server.url}/livez`),
      (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
    );

    const results = await Promise.all(inFlight);
    assert.deepEqual(
      results.map((result) => result.status),
      Array(20).fill(200),
    );
    assert.ok(results.every((result) => JSON.parse(result.body).slept_ms === 1500));
    assert.equal(await server.exited, 0);
    assert.ok(server.logs.some((line) => line.msg === 'shutdown complete'));
  });

  it('SIGTERM under load from 16 keep-alive clients: every request is answered (200 or 503 SHUTTING_DOWN), none reset', async () => {
    const server = await spawnServer(SLOW_SERVER, { QUIRE_SHUTDOWN_TIMEOUT_MS: '15000' });
    const outcome: LoadOutcome = { answered: {}, refused: 0, resets: [] };
    const until = Date.now() + 15_000;
    const clients = Array.from({ length: 16 }, () =>
      keepAliveClient(`${server.url}/test/slow?ms=5`, outcome, until),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    server.child.kill('SIGTERM');
    await Promise.all(clients);
    assert.equal(await server.exited, 0);
    assert.deepEqual(outcome.resets, [], JSON.stringify(outcome));
    assert.ok((outcome.answered[200] ?? 0) > 16, JSON.stringify(outcome));
    assert.deepEqual(
      Object.keys(outcome.answered).filter((status) => status !== '200' && status !== '503'),
      [],
    );
    assert.equal(outcome.refused, 16, 'each client ends on a refused new connection');
  });

  it('readiness answers 503 as soon as shutdown starts, while traffic is still served', async () => {
    const server = await spawnServer(SLOW_SERVER, { QUIRE_SHUTDOWN_DELAY_MS: '1500' });
    // Ready once its extraction thread has warmed up, a moment after it listens.
    const deadline = Date.now() + 60_000;
    while ((await httpGet(`${server.url}/readyz`)).status !== 200) {
      if (Date.now() > deadline) assert.fail('/readyz not 200 within 60 s of listening');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'shutdown started: readiness off');
    const ready = await httpGet(`${server.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(JSON.parse(ready.body).status, 'not_ready');
    assert.equal((await httpGet(`${server.url}/livez`)).status, 200);
    assert.equal(await server.exited, 0);
  });

  it('an idle keep-alive connection does not hold shutdown up for keepAliveTimeout', async () => {
    const server = await spawnServer(SLOW_SERVER, { QUIRE_KEEP_ALIVE_TIMEOUT_MS: '60000' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    assert.equal((await httpGet(`${server.url}/livez`, { agent })).status, 200);
    const started = Date.now();
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.ok(Date.now() - started < 5000, `exited after ${Date.now() - started} ms`);
    agent.destroy();
  });

  it('a request arriving on a kept-alive connection while draining gets 503 SHUTTING_DOWN problem+json', async () => {
    const server = await spawnServer(SLOW_SERVER);
    const { hostname, port } = new URL(server.url);
    // The second request is written on the same connection while the first is still in flight
    // and shutdown has begun: the connection is busy, so it is not closed as idle, and the
    // request reaches the draining app.
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(`GET /test/slow?ms=1500 HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    await waitForStarted(server, 1);
    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'shutdown started: readiness off');
    socket.write(`GET /test/slow?ms=10 HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    await closed;
    const responses = received.split(/(?=HTTP\/1\.1 )/);
    assert.equal(responses.length, 2, received);
    assert.match(responses[0] ?? '', /^HTTP\/1\.1 200/);
    assert.match(responses[1] ?? '', /^HTTP\/1\.1 503/);
    assert.match(responses[1] ?? '', /content-type: application\/problem\+json/i);
    assert.match(responses[1] ?? '', /connection: close/i);
    assert.match(responses[1] ?? '', /"code":"SHUTTING_DOWN"/);
    assert.equal(await server.exited, 0);
  });

  it('a second signal exits at once with code 1', async () => {
    const server = await spawnServer(SLOW_SERVER, { QUIRE_SHUTDOWN_TIMEOUT_MS: '30000' });
    const pending = httpGet(`${server.url}/test/slow?ms=20000`).catch(() => 'dropped');
    await waitForStarted(server, 1);
    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'shutdown started: readiness off');
    const started = Date.now();
    server.child.kill('SIGINT');
    assert.equal(await server.exited, 1);
    assert.ok(Date.now() - started < 3000);
    assert.ok(server.logs.some((line) => line.msg === 'second signal: exiting now'));
    await pending;
  });

  it('past QUIRE_SHUTDOWN_TIMEOUT_MS the process exits with code 1', async () => {
    const server = await spawnServer(SLOW_SERVER, { QUIRE_SHUTDOWN_TIMEOUT_MS: '700' });
    const pending = httpGet(`${server.url}/test/slow?ms=20000`).catch(() => 'dropped');
    await waitForStarted(server, 1);
    const started = Date.now();
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 1);
    assert.ok(Date.now() - started < 5000);
    assert.ok(server.logs.some((line) => line.msg === 'shutdown timed out: exiting now'));
    await pending;
  });
});
