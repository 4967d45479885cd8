/**
 * Webhooks through HTTP against hostile use: the SSRF guard at creation and at delivery (a name
 * that resolves to loopback is never connected to), tenancy, and the secret never shown again.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApiKey, type TestApp } from '../../../helpers/app.js';
import { getJob } from '../../../helpers/jobs.js';
import { assertProblem } from '../../../helpers/problem.js';
import type { Upstream } from '../../../helpers/upstream.js';
import { startWebhookApp, until, type Created, type WebhookApp } from './setup.js';

describe('webhooks: SSRF guard, tenancy and secrets', () => {
  let t: TestApp;
  let hidden: Upstream;
  let as: WebhookApp['as'];
  let createHook: WebhookApp['createHook'];
  let deliveries: WebhookApp['deliveries'];
  let readyDocument: WebhookApp['readyDocument'];
  let metric: WebhookApp['metric'];
  before(async () => {
    ({ t, hidden, as, createHook, deliveries, readyDocument, metric } = await startWebhookApp());
  });

  it('refuses URLs that point at private addresses when created (422 URL_NOT_ALLOWED)', async () => {
    for (const url of [
      'http://127.0.0.1:9/',
      'http://[::1]/',
      'http://169.254.169.254/',
      'http://10.0.0.1/',
      'http://[::ffff:127.0.0.1]/x',
      'http://0x7f000001/',
      'http://user:pass@example.com/',
    ]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: await as('wh-ssrf'),
        payload: { url, events: ['document.ready'] },
      });
      assertProblem(response, 422, 'URL_NOT_ALLOWED');
    }
    const list = await t.app.inject({ url: '/v1/webhooks', headers: await as('wh-ssrf') });
    assert.deepEqual(list.json().data, []);
  });

  it('a host name that resolves to a private address fails the delivery at once, unsent', async () => {
    const hook = await createHook('wh-dns', {
      url: `http://localhost:${hidden.port}/hook`,
      events: ['document.ready'],
    });
    const failedBefore = await metric('webhook_deliveries_total{outcome="failed"}');
    const connections = hidden.connections;
    await readyDocument('wh-dns', 'Resolved to loopback.');
    const [delivery] = await until(
      () => deliveries('wh-dns', hook.id),
      (list) => list.length === 1 && list[0]?.status === 'failed',
      'the delivery fails',
    );
    assert.equal(delivery?.error?.code, 'URL_NOT_ALLOWED');
    assert.doesNotMatch(String(delivery?.error?.message), /127\.0\.0\.1|::1/, 'no address leaks');
    assert.equal(delivery?.attempts, 1);
    assert.equal(delivery?.response_status, undefined);
    const job = await getJob(t, String(delivery?.job_id), await as('wh-dns'));
    assert.deepEqual([job.status, job.attempts, job.error?.retryable], ['failed', 1, false]);
    await sleep(200);
    assert.equal(hidden.connections, connections, 'the receiver was never connected to');
    assert.equal(hidden.hits('/hook'), 0);
    assert.equal((await metric('webhook_deliveries_total{outcome="failed"}')) - failedBefore, 1);
  });

  it('is tenant-scoped, never shows the secret again, and deletes with 204 then 404', async () => {
    const secret = 'my-own-secret-0123456789';
    const create = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: await as('wh-owner'),
      payload: {
        url: 'https://hooks.example.com/quire/T123/secret-path',
        events: ['job.dead'],
        secret,
      },
    });
    assert.equal(create.statusCode, 201, create.body);
    assert.equal(create.headers['cache-control'], 'no-store');
    const hook = create.json() as Created;
    assert.equal(create.headers.location, `/v1/webhooks/${hook.id}`);
    assert.equal(hook.secret, secret);

    const list = await t.app.inject({ url: '/v1/webhooks', headers: await as('wh-owner') });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json(), {
      data: [{ id: hook.id, url: hook.url, events: ['job.dead'], created_at: hook.created_at }],
      next_cursor: null,
    });
    assert.ok(!list.body.includes(secret) && !list.body.includes('secret"'));
    const one = await t.app.inject({
      url: `/v1/webhooks/${hook.id}`,
      headers: await as('wh-owner'),
    });
    assert.ok(!one.body.includes(secret));

    const stranger = await as('wh-stranger');
    for (const [method, url] of [
      ['GET', `/v1/webhooks/${hook.id}`],
      ['GET', `/v1/webhooks/${hook.id}/deliveries`],
      ['DELETE', `/v1/webhooks/${hook.id}`],
    ] as const) {
      assertProblem(await t.app.inject({ method, url, headers: stranger }), 404, 'NOT_FOUND');
    }
    const theirs = await t.app.inject({ url: '/v1/webhooks', headers: stranger });
    assert.deepEqual(theirs.json().data, []);

    const readOnly = await createApiKey(t, {
      name: 'reader',
      tenant_id: 'wh-owner',
      scopes: ['documents:read'],
    });
    const forbidden = await t.app.inject({
      method: 'DELETE',
      url: `/v1/webhooks/${hook.id}`,
      headers: { authorization: `Bearer ${readOnly.key}` },
    });
    assertProblem(forbidden, 403, 'FORBIDDEN');

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/webhooks/${hook.id}`,
      headers: await as('wh-owner'),
    });
    assert.equal(deleted.statusCode, 204);
    for (const [method, url] of [
      ['GET', `/v1/webhooks/${hook.id}`],
      ['GET', `/v1/webhooks/${hook.id}/deliveries`],
      ['DELETE', `/v1/webhooks/${hook.id}`],
    ] as const) {
      assertProblem(
        await t.app.inject({ method, url, headers: await as('wh-owner') }),
        404,
        'NOT_FOUND',
      );
    }

    const audit = await t.app.inject({
      url: '/v1/admin/audit-log?tenant_id=wh-owner',
      headers: t.admin,
    });
    const entries = (
      audit.json() as { data: { action: string; target_id: string; details: unknown }[] }
    ).data.filter((entry) => entry.target_id === hook.id);
    assert.deepEqual(
      entries.map((entry) => entry.action),
      ['webhook.deleted', 'webhook.created'],
    );
    assert.deepEqual(entries[1]?.details, {
      url_origin: 'https://hooks.example.com',
      events: ['job.dead'],
    });
    assert.ok(!audit.body.includes(secret) && !audit.body.includes('secret-path'));
  });
});
