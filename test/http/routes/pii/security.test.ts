/** POST /v1/pii/* through HTTP: credentials and the documents:read scope; limited as a write. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createApiKey, type TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import { buildPiiApp, poster } from './setup.js';

describe('pii routes: credentials', () => {
  let t: TestApp;
  let post: ReturnType<typeof poster>;
  before(async () => {
    t = await buildPiiApp();
    post = poster(t);
  });

  it('needs credentials and the documents:read scope; limited as a write', async () => {
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/pii/detect',
      payload: { text: 'x' },
    });
    assertProblem(anonymous, 401, 'UNAUTHENTICATED');
    const { key } = await createApiKey(t, { name: 'writer', scopes: ['documents:write'] });
    const forbidden = await post(
      '/v1/pii/redact',
      { text: 'a@b.example' },
      { authorization: `Bearer ${key}` },
    );
    assert.match(String(assertProblem(forbidden, 403, 'FORBIDDEN').detail), /documents:read/);
    const reader = await createApiKey(t, { name: 'reader', scopes: ['documents:read'] });
    const allowed = await post(
      '/v1/pii/redact',
      { text: 'a@b.example' },
      { authorization: `Bearer ${reader.key}` },
    );
    assert.equal(allowed.statusCode, 200, allowed.body);
    assert.equal(allowed.headers['ratelimit-limit'], String(t.config.rateLimitWrite));
  });
});
