/** Load shedding through HTTP: past a threshold requests get 503 OVERLOADED, meta routes do not. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { buildTestApp } from '../../helpers/app.js';
import { assertProblem } from '../../helpers/problem.js';

function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Busy-wait on purpose: this is what a CPU-bound request does to the event loop.
  }
}

describe('load shedding', () => {
  it('sheds with 503 OVERLOADED and Retry-After once the event loop was blocked, then recovers', async () => {
    const t = await buildTestApp({
      QUIRE_MAX_EVENT_LOOP_DELAY_MS: '20',
      QUIRE_PRESSURE_SAMPLE_INTERVAL_MS: '200',
      QUIRE_OVERLOAD_RETRY_AFTER_S: '7',
    });
    t.app.get('/test/block', async () => {
      blockEventLoop(2000);
      return { blocked: true };
    });
    t.app.get('/test/work', async () => ({ ok: true }));
    await t.app.ready();
    await sleep(450); // let the sampler settle on an idle loop
    assert.equal((await t.app.inject({ method: 'GET', url: '/test/work' })).statusCode, 200);

    assert.equal((await t.app.inject({ method: 'GET', url: '/test/block' })).statusCode, 200);
    // The stall is recorded by the first sample that sees it: the overdue one, or — when the
    // sampler's timer fires before the delay histogram's after the block — the next, one interval
    // (200 ms) later. Requests are shed from then on; without shedding this never stops at 503.
    let shed = await t.app.inject({ method: 'GET', url: '/test/work' });
    for (const deadline = Date.now() + 1000; shed.statusCode === 200 && Date.now() < deadline;) {
      await sleep(10);
      shed = await t.app.inject({ method: 'GET', url: '/test/work' });
    }
    const body = assertProblem(shed, 503, 'OVERLOADED');
    assert.equal(shed.headers['retry-after'], '7');
    assert.match(String(body.detail), /eventLoopDelay/);
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/livez' })).statusCode,
      200,
      'liveness is never shed',
    );
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode,
      200,
      'metrics are never shed',
    );
    // An overloaded instance is not ready: a clear 503, never a serialization error.
    assertProblem(await t.app.inject({ method: 'GET', url: '/readyz' }), 503, 'OVERLOADED');

    await sleep(700); // a few quiet samples later the loop is healthy again
    assert.equal((await t.app.inject({ method: 'GET', url: '/test/work' })).statusCode, 200);
  });

  it('sheds past the heap threshold', async () => {
    const t = await buildTestApp({
      QUIRE_MAX_HEAP_USED_BYTES: '1',
      QUIRE_PRESSURE_SAMPLE_INTERVAL_MS: '20',
    });
    t.app.get('/test/work', async () => ({ ok: true }));
    await t.app.ready();
    await sleep(100);
    const shed = await t.app.inject({ method: 'GET', url: '/test/work' });
    assertProblem(shed, 503, 'OVERLOADED');
    assert.ok(Number(shed.headers['retry-after']) >= 1);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(
      metrics.body,
      /http_requests_total\{method="GET",route="\/test\/work",status="503"\} 1/,
    );
  });
});
