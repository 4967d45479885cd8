/** W3C trace context, through HTTP: a valid traceparent continued, an invalid one replaced. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, requestLine, type TestApp } from '../../helpers/app.js';

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
