/** The logger's redaction of credentials and secret fields, through HTTP. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from './helpers/app.js';

describe('log redaction', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    t.app.post('/test/log-body', async (request) => {
      request.log.info({ body: request.body }, 'received');
      return { ok: true };
    });
    t.app.get('/test/crash', async () => {
      throw new Error('boom');
    });
  });

  it('redacts authorization, cookie and x-api-key headers on logged requests', async () => {
    await t.app.inject({
      method: 'GET',
      url: '/test/crash',
      headers: {
        authorization: 'Bearer qk_supersecretvalue',
        cookie: 'session=cookiesecret',
        'x-api-key': 'qk_apikeysecret',
        'x-request-id': 'redact-1',
      },
    });
    const logged = t.logs.find(
      (line) => line.msg === 'request failed' && line.request_id === 'redact-1',
    );
    assert.ok(logged);
    const text = JSON.stringify(logged);
    assert.doesNotMatch(text, /supersecretvalue|cookiesecret|apikeysecret/);
    assert.match(text, /\[Redacted\]/);
  });

  it('redacts password, secret and token fields at any depth', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/test/log-body',
      headers: { 'x-request-id': 'redact-2' },
      payload: {
        password: 'pw-secret-1',
        nested: { secret: 's-secret-2', deeper: { token: 't-secret-3' } },
        keep: 'visible',
      },
    });
    const logged = t.logs.find((line) => line.msg === 'received' && line.request_id === 'redact-2');
    assert.ok(logged);
    const text = JSON.stringify(logged);
    assert.doesNotMatch(text, /pw-secret-1|s-secret-2|t-secret-3/);
    assert.match(text, /visible/);
  });
});
