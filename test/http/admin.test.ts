/** Administration through HTTP: API keys, stats, audit log, bootstrap. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { buildTestApp, onCleanup, tempDir, type TestApp } from '../helpers/app.js';
import { captureLogs } from '../helpers/logs.js';
import { assertProblem } from '../helpers/problem.js';

const KEYS_URL = '/v1/admin/api-keys';

describe('admin: API keys', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  it('creates a key shown once, stored as a hash, for another tenant', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: KEYS_URL,
      headers: t.admin,
      payload: {
        name: 'ingest bot',
        tenant_id: 'globex',
        scopes: ['documents:write', 'documents:read'],
        rate_tier: 'elevated',
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json();
    assert.match(body.key, /^qk_[A-Za-z0-9_-]{32}$/);
    assert.match(body.id, /^key_/);
    assert.equal(created.headers.location, `${KEYS_URL}/${body.id}`);
    assert.equal(created.headers['cache-control'], 'no-store');
    assert.deepEqual(
      {
        tenant_id: body.tenant_id,
        scopes: body.scopes,
        rate_tier: body.rate_tier,
        status: body.status,
      },
      {
        tenant_id: 'globex',
        scopes: ['documents:write', 'documents:read'],
        rate_tier: 'elevated',
        status: 'active',
      },
    );
    assert.equal(body.key_hash, undefined);
    assert.equal(body.prefix, body.key.slice(0, 12));

    const listed = await t.app.inject({
      method: 'GET',
      url: `${KEYS_URL}?tenant_id=globex`,
      headers: t.admin,
    });
    assert.equal(listed.statusCode, 200);
    assert.equal(listed.json().data.length, 1);
    assert.doesNotMatch(listed.body, new RegExp(body.key.slice(12)));
    assert.doesNotMatch(listed.body, /key_hash/);

    const audit = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/audit-log',
      headers: t.admin,
    });
    const entry = audit
      .json()
      .data.find(
        (e: { action: string; target_id: string }) =>
          e.action === 'api_key.created' && e.target_id === body.id,
      );
    assert.ok(entry);
    assert.equal(entry.tenant_id, 'globex');
    assert.equal(entry.actor.startsWith('key_'), true);
    assert.equal(typeof entry.request_id, 'string');
    assert.doesNotMatch(audit.body, new RegExp(body.key.slice(12)));
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

describe('bootstrap admin key', () => {
  it('is generated and revealed once on the first start, then never again', async () => {
    const dataDir = tempDir();
    const revealed: string[] = [];
    const start = async () => {
      const config = loadConfig({ QUIRE_DATA_DIR: dataDir });
      const app = await buildApp({
        config,
        logger: captureLogs().logger,
        revealBootstrapKey: (key) => revealed.push(key),
      });
      onCleanup(() => app.close());
      return app;
    };
    const first = await start();
    assert.equal(revealed.length, 1);
    const key = revealed[0] as string;
    const listed = await first.inject({
      method: 'GET',
      url: KEYS_URL,
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(listed.statusCode, 200);
    assert.equal(listed.json().data[0].tenant_id, 'default');
    assert.deepEqual(listed.json().data[0].scopes, [
      'documents:read',
      'documents:write',
      'search',
      'admin',
    ]);
    await first.close();
    await start();
    assert.equal(revealed.length, 1, 'not generated again');
  });

  it('QUIRE_BOOTSTRAP_ADMIN_KEY becomes the admin key', async () => {
    const t = await buildTestApp({
      QUIRE_BOOTSTRAP_ADMIN_KEY: 'qk_chosen-by-operator-0000000000000000000',
    });
    const response = await t.app.inject({
      method: 'GET',
      url: KEYS_URL,
      headers: { 'x-api-key': 'qk_chosen-by-operator-0000000000000000000' },
    });
    assert.equal(response.statusCode, 200);
  });
});
