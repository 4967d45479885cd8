/** Response compression, through HTTP: above 1 KB, for clients that ask. */
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../helpers/app.js';

describe('compression', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    t.app.get('/test/big', async () => ({
      items: Array.from({ length: 200 }, (_, i) => `item-${i}`),
    }));
    t.app.get('/test/small', async () => ({ ok: true }));
  });

  it('compresses a JSON response above 1 KB', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/test/big',
      headers: { 'accept-encoding': 'gzip' },
    });
    assert.equal(response.headers['content-encoding'], 'gzip');
    const body = JSON.parse(gunzipSync(response.rawPayload).toString('utf8'));
    assert.equal(body.items.length, 200);
  });

  it('leaves a response under 1 KB alone', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/test/small',
      headers: { 'accept-encoding': 'gzip' },
    });
    assert.equal(response.headers['content-encoding'], undefined);
    assert.deepEqual(response.json(), { ok: true });
  });

  it('does not compress for a client that does not ask', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/test/big' });
    assert.equal(response.headers['content-encoding'], undefined);
  });
});
