/** The trusted-proxy setting: X-Forwarded-* honoured from trusted proxy addresses only. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/app.js';

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
