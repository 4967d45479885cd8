/** Administration through HTTP refused: invalid key requests (400 with their path), bad cursors. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';

const KEYS_URL = '/v1/admin/api-keys';

describe('admin: API key requests refused', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  const badRequests: [string, string, Record<string, unknown> | undefined, string][] = [
    ['an unknown scope', 'POST', { name: 'x', scopes: ['root'] }, '/body/scopes/0'],
    ['no scopes', 'POST', { name: 'x', scopes: [] }, '/body/scopes'],
    ['duplicate scopes', 'POST', { name: 'x', scopes: ['search', 'search'] }, '/body/scopes'],
    ['an empty name', 'POST', { name: '', scopes: ['search'] }, '/body/name'],
    ['a 101-character name', 'POST', { name: 'n'.repeat(101), scopes: ['search'] }, '/body/name'],
    [
      'a bad tenant id',
      'POST',
      { name: 'x', scopes: ['search'], tenant_id: '../etc' },
      '/body/tenant_id',
    ],
    [
      'an unknown rate tier',
      'POST',
      { name: 'x', scopes: ['search'], rate_tier: 'gold' },
      '/body/rate_tier',
    ],
    [
      'a malformed expiry',
      'POST',
      { name: 'x', scopes: ['search'], expires_at: 'tomorrow' },
      '/body/expires_at',
    ],
    [
      'an expiry in the past',
      'POST',
      { name: 'x', scopes: ['search'], expires_at: '2001-01-01T00:00:00Z' },
      '/body/expires_at',
    ],
    ['limit 0', 'GET', undefined, '/querystring/limit'],
  ];
  for (const [label, method, payload, path] of badRequests) {
    it(`400 with the path for ${label}`, async () => {
      const url = method === 'GET' ? `${KEYS_URL}?limit=0` : KEYS_URL;
      const response = await t.app.inject({
        method: method as 'GET' | 'POST',
        url,
        headers: t.admin,
        payload,
      });
      const body = assertProblem(response, 400, 'VALIDATION_FAILED');
      assert.ok(
        (body.errors as { path: string }[]).some((e) => e.path === path),
        JSON.stringify(body.errors),
      );
    });
  }

  it('400 for a cursor it did not give out', async () => {
    for (const cursor of [
      'garbage',
      Buffer.from('v1:../../etc').toString('base64url'),
      'x'.repeat(300),
    ]) {
      const response = await t.app.inject({
        method: 'GET',
        url: `${KEYS_URL}?cursor=${cursor}`,
        headers: t.admin,
      });
      assertProblem(response, 400, 'VALIDATION_FAILED');
    }
  });
});
