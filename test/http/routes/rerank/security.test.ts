/** POST /v1/rerank through HTTP: credentials with the search scope are needed. */
import { describe, it } from 'node:test';
import { buildTestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import { DOCS } from './setup.js';

describe('POST /v1/rerank, credentials', async () => {
  const { app } = await buildTestApp();

  it('needs credentials with the search scope', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/rerank',
      payload: { query: 'cat', documents: DOCS },
    });
    assertProblem(response, 401, 'UNAUTHENTICATED');
  });
});
