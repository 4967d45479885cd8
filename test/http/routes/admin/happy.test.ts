/** Administration through HTTP when all goes well: listing and paging keys, revoking, stats. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';

const KEYS_URL = '/v1/admin/api-keys';

describe('admin: API keys', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  it('paginates with an opaque cursor, newest first', async () => {
    for (let i = 0; i < 4; i++) {
      await t.app.inject({
        method: 'POST',
        url: KEYS_URL,
        headers: t.admin,
        payload: { name: `page-${i}`, tenant_id: 'paging', scopes: ['search'] },
      });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const first = await t.app.inject({
      method: 'GET',
      url: `${KEYS_URL}?tenant_id=paging&limit=3`,
      headers: t.admin,
    });
    assert.deepEqual(
      first.json().data.map((k: { name: string }) => k.name),
      ['page-3', 'page-2', 'page-1'],
    );
    const cursor = first.json().next_cursor;
    assert.equal(typeof cursor, 'string');
    const second = await t.app.inject({
      method: 'GET',
      url: `${KEYS_URL}?tenant_id=paging&limit=3&cursor=${cursor}`,
      headers: t.admin,
    });
    assert.deepEqual(
      second.json().data.map((k: { name: string }) => k.name),
      ['page-0'],
    );
    assert.equal(second.json().next_cursor, null);
  });

  it('revokes (204, idempotent) and answers 404 for an unknown key', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: KEYS_URL,
      headers: t.admin,
      payload: { name: 'bye', scopes: ['search'] },
    });
    const { id } = created.json();
    assert.equal(
      (await t.app.inject({ method: 'DELETE', url: `${KEYS_URL}/${id}`, headers: t.admin }))
        .statusCode,
      204,
    );
    assert.equal(
      (await t.app.inject({ method: 'DELETE', url: `${KEYS_URL}/${id}`, headers: t.admin }))
        .statusCode,
      204,
    );
    assertProblem(
      await t.app.inject({ method: 'DELETE', url: `${KEYS_URL}/key_nope`, headers: t.admin }),
      404,
      'NOT_FOUND',
    );
    const listed = await t.app.inject({
      method: 'GET',
      url: `${KEYS_URL}?limit=200`,
      headers: t.admin,
    });
    assert.equal(listed.json().data.find((k: { id: string }) => k.id === id).status, 'revoked');
    const audit = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/audit-log?limit=200',
      headers: t.admin,
    });
    const revocations = audit
      .json()
      .data.filter(
        (e: { action: string; target_id: string }) =>
          e.action === 'api_key.revoked' && e.target_id === id,
      );
    assert.equal(revocations.length, 1, 'revoking twice is audited once');
  });

  it('stats count active keys and rejections by reason', async () => {
    await t.app.inject({ method: 'GET', url: KEYS_URL }); // 401
    await t.app.inject({ method: 'GET', url: '/no-such-thing' }); // 404
    const stats = await t.app.inject({ method: 'GET', url: '/v1/admin/stats', headers: t.admin });
    assert.equal(stats.statusCode, 200);
    const body = stats.json();
    assert.ok(body.api_keys.active >= 1);
    assert.equal(body.rejections.window_s, 3600);
    assert.ok(body.rejections.by_reason.UNAUTHENTICATED >= 1, JSON.stringify(body));
    assert.ok(body.rejections.by_reason.NOT_FOUND >= 1);
  });
});
