/**
 * Administration through HTTP, the secrets: an API key is shown once and stored as a hash (never
 * in listings or the audit log); the bootstrap admin key is revealed once, or set by the operator.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildApp } from '../../../../src/app.js';
import { loadConfig } from '../../../../src/config.js';
import { buildTestApp, onCleanup, tempDir, type TestApp } from '../../../helpers/app.js';
import { captureLogs } from '../../../helpers/logs.js';

const KEYS_URL = '/v1/admin/api-keys';

describe('admin: API key secrets', () => {
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
