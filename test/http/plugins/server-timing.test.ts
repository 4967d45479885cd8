/** The Server-Timing header, through HTTP. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../helpers/app.js';

describe('Server-Timing', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  for (const url of ['/livez', '/no-such-route']) {
    it(`is on every response (${url})`, async () => {
      const response = await t.app.inject({ method: 'GET', url });
      assert.match(String(response.headers['server-timing']), /^total;dur=\d+(\.\d+)?$/);
    });
  }
});
