/** `POST /v1/convert` needs credentials with the documents:read scope. */
import { before, describe, it } from 'node:test';
import { createApiKey, type TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import { buildConvertApp } from './setup.js';

describe('POST /v1/convert: credentials', () => {
  let t: TestApp;
  before(async () => {
    t = await buildConvertApp();
  });

  it('needs credentials with the documents:read scope', async () => {
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/convert',
        headers: { 'content-type': 'text/plain' },
        payload: 'hello',
      }),
      401,
      'UNAUTHENTICATED',
    );
    const searchOnly = await createApiKey(t, { name: 'search', scopes: ['search'] });
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/convert',
        headers: { authorization: `Bearer ${searchOnly.key}`, 'content-type': 'text/plain' },
        payload: 'hello',
      }),
      403,
      'FORBIDDEN',
    );
  });
});
