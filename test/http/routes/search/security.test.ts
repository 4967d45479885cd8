/**
 * POST /v1/search through HTTP against other callers, on SQLite and PostgreSQL: another tenant
 * never sees these documents, and the search scope is needed.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApiKey } from '../../../helpers/app.js';
import { submitText } from '../../../helpers/jobs.js';
import { assertProblem } from '../../../helpers/problem.js';
import { pagePhrase, searchSuite, type Answer, type Result } from './setup.js';

searchSuite('tenancy and scope', (f) => {
  it('another tenant never sees these documents, and finds its own', async () => {
    const other = { authorization: `Bearer ${f.otherKey}` };
    const response = await f.search({ query: pagePhrase(7) }, other);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual((response.json() as Answer).results, []);
    const theirs = await submitText(f.t, 'the zephyr of the other tenant', 'o.txt', other);
    // Searchable once its extraction commits (the job is the other tenant's: poll the search).
    const deadline = Date.now() + 20_000;
    let found: Result[] = [];
    while (found.length === 0 && Date.now() < deadline) {
      await sleep(20);
      found = ((await f.search({ query: 'zephyr' }, other)).json() as Answer).results;
    }
    assert.deepEqual(
      found.map((result) => result.document_id),
      [theirs.document.id],
    );
    const mine = await f.results({ query: 'zephyr', limit: 100 });
    assert.ok(mine.every((result) => result.document_id !== theirs.document.id));
  });

  it('needs the search scope', async () => {
    const { key } = await createApiKey(f.t, { name: 'reader', scopes: ['documents:read'] });
    const response = await f.search({ query: 'zephyr' }, { authorization: `Bearer ${key}` });
    assertProblem(response, 403, 'FORBIDDEN');
    assertProblem(await f.search({ query: 'zephyr' }, {}), 401, 'UNAUTHENTICATED');
  });
});
