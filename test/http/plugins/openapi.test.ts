/** The interactive API reference at /docs, through HTTP. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../helpers/app.js';

describe('/docs', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  it('GET /docs serves the interactive reference from the package (no CDN)', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /swagger-ui/i);
    assert.doesNotMatch(page.body, /https?:\/\/(cdn|unpkg|jsdelivr)/);
  });
});
