/** CORS, through HTTP: no cross-origin request by default, exactly the configured origins. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../../helpers/app.js';

describe('CORS', () => {
  it('allows no cross-origin request by default', async () => {
    const t = await buildTestApp();
    const simple = await t.app.inject({
      method: 'GET',
      url: '/livez',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(simple.statusCode, 200);
    assert.equal(simple.headers['access-control-allow-origin'], undefined);
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/livez',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.equal(preflight.headers['access-control-allow-methods'], undefined);
  });

  it('allows exactly the configured origins', async () => {
    const t = await buildTestApp({
      QUIRE_CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
    });
    const allowed = await t.app.inject({
      method: 'GET',
      url: '/livez',
      headers: { origin: 'https://app.example.com' },
    });
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(allowed.headers['access-control-expose-headers']), /X-Request-ID/);

    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/livez',
      headers: { origin: 'https://admin.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://admin.example.com');
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);

    const other = await t.app.inject({
      method: 'GET',
      url: '/livez',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });
});
