/** Request metrics through HTTP: counted by method, route pattern and status, with durations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../../helpers/app.js';

describe('metrics', () => {
  it('counts requests by method, route pattern and status, with durations and process metrics', async () => {
    const t = await buildTestApp();
    t.app.get('/test/items/:id', async () => ({ ok: true }));
    await t.app.inject({ method: 'GET', url: '/livez' });
    await t.app.inject({ method: 'GET', url: '/livez' });
    await t.app.inject({ method: 'GET', url: '/test/items/1' });
    await t.app.inject({ method: 'GET', url: '/test/items/2' });
    await t.app.inject({ method: 'GET', url: '/no/such/route' });
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    const text = response.body;
    assert.match(text, /http_requests_total\{method="GET",route="\/livez",status="200"\} 2\n/);
    assert.match(
      text,
      /http_requests_total\{method="GET",route="\/test\/items\/:id",status="200"\} 2\n/,
    );
    assert.match(
      text,
      /http_requests_total\{method="GET",route="\(unmatched\)",status="404"\} 1\n/,
    );
    assert.doesNotMatch(text, /items\/1|no\/such\/route/, 'raw URLs never become labels');
    assert.match(
      text,
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/livez",status="200"\}/,
    );
    assert.match(text, /process_cpu_user_seconds_total/);
    assert.match(text, /nodejs_eventloop_lag_seconds/);
  });
});
