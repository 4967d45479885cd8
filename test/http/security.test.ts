/** Security headers, CORS, compression and the trusted-proxy setting, through HTTP. */
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../helpers/app.js';

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

describe('trusted proxy', () => {
  const forwarded = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' };

  it('ignores X-Forwarded-For by default', async () => {
    const t = await buildTestApp();
    t.app.get('/test/ip', async (request) => ({ ip: request.ip, protocol: request.protocol }));
    const response = await t.app.inject({
      method: 'GET',
      url: '/test/ip',
      headers: forwarded,
      remoteAddress: '10.1.2.3',
    });
    assert.deepEqual(response.json(), { ip: '10.1.2.3', protocol: 'http' });
  });

  it('honours X-Forwarded-* from a trusted proxy address only', async () => {
    const t = await buildTestApp({ QUIRE_TRUST_PROXY: '10.0.0.0/8' });
    t.app.get('/test/ip', async (request) => ({ ip: request.ip, protocol: request.protocol }));
    const viaProxy = await t.app.inject({
      method: 'GET',
      url: '/test/ip',
      headers: forwarded,
      remoteAddress: '10.1.2.3',
    });
    assert.deepEqual(viaProxy.json(), { ip: '203.0.113.7', protocol: 'https' });
    const direct = await t.app.inject({
      method: 'GET',
      url: '/test/ip',
      headers: forwarded,
      remoteAddress: '198.51.100.9',
    });
    assert.deepEqual(direct.json(), { ip: '198.51.100.9', protocol: 'http' });
  });
});
