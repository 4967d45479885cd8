/** GET /metrics through HTTP behind QUIRE_METRICS_TOKEN. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';

describe('metrics token', () => {
  it('needs the bearer token when QUIRE_METRICS_TOKEN is set', async () => {
    const token = 'metrics-token-0123456789';
    const t = await buildTestApp({ QUIRE_METRICS_TOKEN: token });
    assertProblem(await t.app.inject({ method: 'GET', url: '/metrics' }), 401, 'UNAUTHENTICATED');
    assertProblem(
      await t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: 'Bearer wrong-token-0123456789' },
      }),
      401,
      'UNAUTHENTICATED',
    );
    const ok = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(ok.statusCode, 200);
  });
});
