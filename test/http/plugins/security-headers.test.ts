/** Security headers (helmet) through HTTP, on matched and unmatched routes. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../helpers/app.js';

describe('security headers', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  for (const url of ['/livez', '/no-such-route']) {
    it(`helmet's headers are on ${url}`, async () => {
      const response = await t.app.inject({ method: 'GET', url });
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN');
      assert.match(String(response.headers['strict-transport-security']), /max-age=\d+/);
      assert.equal(response.headers['referrer-policy'], 'no-referrer');
      assert.match(String(response.headers['content-security-policy']), /default-src 'none'/);
      assert.equal(response.headers['x-powered-by'], undefined);
    });
  }
});
