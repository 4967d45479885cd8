/**
 * Webhooks end to end through HTTP when all goes well: real document and job events from the
 * app's own workers, signed deliveries retried with backoff until delivered exactly once, an
 * idempotent create, deliveries listed page by page, and job.dead announced (but not the death of
 * a delivery job).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp, onCleanup, type TestApp } from '../../../helpers/app.js';
import { getJob, type JobBody } from '../../../helpers/jobs.js';
import { assertProblem } from '../../../helpers/problem.js';
import {
  script,
  startUpstream,
  type SeenRequest,
  type Upstream,
} from '../../../helpers/upstream.js';
import {
  SETTLED,
  startWebhookApp,
  until,
  verifySignature,
  type Created,
  type DeliveredBody,
  type Delivery,
  type WebhookApp,
} from './setup.js';

describe('webhooks: signed deliveries', () => {
  let t: TestApp;
  let sink: Upstream;
  let flaky: Upstream;
  let as: WebhookApp['as'];
  let createHook: WebhookApp['createHook'];
  let deliveries: WebhookApp['deliveries'];
  let readyDocument: WebhookApp['readyDocument'];
  let metric: WebhookApp['metric'];
  before(async () => {
    ({ t, sink, flaky, as, createHook, deliveries, readyDocument, metric } =
      await startWebhookApp());
  });

  it('delivers a signed event after three failed attempts, exactly once', async () => {
    flaky.on(
      '/hook',
      script.sequence(
        script.status(500),
        script.status(502),
        script.status(503),
        script.status(200, 'ok'),
      ),
    );
    const hook = await createHook('wh-signed', {
      url: flaky.url('/hook'),
      events: ['document.ready'],
    });
    assert.match(hook.id, /^whk_[0-9a-z]{26}$/);
    assert.match(hook.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(hook.events, ['document.ready']);
    const deliveredBefore = await metric('webhook_deliveries_total{outcome="delivered"}');
    const retriedBefore = await metric('webhook_deliveries_total{outcome="retried"}');

    const document = await readyDocument('wh-signed', 'A webhook is told about me.', 'wh-req-1');
    const [delivery] = await until(
      () => deliveries('wh-signed', hook.id),
      (list) => list.length === 1 && SETTLED.has(String(list[0]?.status)),
      'the delivery settles',
    );
    assert.ok(delivery !== undefined);
    assert.equal(delivery.status, 'delivered', JSON.stringify(delivery));
    assert.equal(delivery.attempts, 4);
    assert.equal(delivery.response_status, 200);
    assert.equal(delivery.event, 'document.ready');
    assert.equal(delivery.webhook_id, hook.id);
    assert.equal(delivery.error, undefined);
    assert.equal(delivery.next_attempt_at, undefined);
    assert.ok(delivery.delivered_at !== undefined);
    assert.match(delivery.id, /^dlv_/);

    await sleep(300); // nothing more arrives once it is delivered
    const seen = flaky.requests.filter((request) => request.path === '/hook');
    assert.equal(seen.length, 4, 'three failures, then one success, then nothing');
    for (const request of seen) {
      assert.equal(request.method, 'POST');
      assert.equal(request.body, seen[0]?.body, 'every attempt sends the same body');
      assert.equal(request.headers['quire-event'], 'document.ready');
      assert.equal(request.headers['quire-delivery'], delivery.id);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['user-agent'], 'Quire-Webhooks/1');
      assert.equal(request.headers['x-request-id'], 'wh-req-1');
      verifySignature(request, hook.secret);
    }
    const body = JSON.parse(String(seen[3]?.body)) as DeliveredBody;
    assert.equal(body.id, delivery.id);
    assert.equal(body.type, 'document.ready');
    assert.equal(body.created_at, delivery.created_at);
    assert.equal(body.data.document?.id, document.id);
    assert.equal(body.data.document?.status, 'ready');
    assert.equal(body.data.document?.tenant_id, undefined, 'no tenant id leaves');

    // A tampered body or another secret does not verify.
    const forged = {
      ...(seen[3] as SeenRequest),
      body: String(seen[3]?.body).replace('ready', 'failed'),
    };
    assert.throws(() => verifySignature(forged, hook.secret));
    assert.throws(() => verifySignature(seen[3] as SeenRequest, 'whsec_wrong'));

    const job = await getJob(t, delivery.job_id, await as('wh-signed'));
    assert.deepEqual([job.type, job.status, job.attempts], ['webhook', 'succeeded', 4]);
    assert.ok(job.max_attempts >= 20, `retried for 24 h: ${job.max_attempts} attempts`);
    assert.equal(
      (await metric('webhook_deliveries_total{outcome="delivered"}')) - deliveredBefore,
      1,
    );
    assert.equal((await metric('webhook_deliveries_total{outcome="retried"}')) - retriedBefore, 3);
  });

  it('replays a create with the same Idempotency-Key', async () => {
    const payload = { url: 'https://example.com/idem', events: ['document.failed'] };
    const send = async () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: { ...(await as('wh-idem')), 'idempotency-key': 'create-hook-1' },
        payload,
      });
    const first = await send();
    const second = await send();
    assert.equal(first.statusCode, 201);
    assert.equal(second.statusCode, 201);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.json().id, first.json().id);
    const list = await t.app.inject({ url: '/v1/webhooks', headers: await as('wh-idem') });
    assert.equal(list.json().data.length, 1);
  });

  it('lists deliveries newest first, page by page', async () => {
    const hook = await createHook('wh-pages', {
      url: sink.url('/hook'),
      events: ['document.ready'],
    });
    for (let i = 0; i < 3; i++) await readyDocument('wh-pages', `Document number ${i}.`);
    const all = await until(
      () => deliveries('wh-pages', hook.id),
      (list) => list.length === 3 && list.every((d) => d.status === 'delivered'),
      'three deliveries',
    );
    const ids = all.map((d) => d.id);
    assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
    const first = await t.app.inject({
      url: `/v1/webhooks/${hook.id}/deliveries?limit=2`,
      headers: await as('wh-pages'),
    });
    const page1 = first.json() as { data: Delivery[]; next_cursor: string | null };
    assert.deepEqual(
      page1.data.map((d) => d.id),
      ids.slice(0, 2),
    );
    assert.equal(typeof page1.next_cursor, 'string');
    const second = await t.app.inject({
      url: `/v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${page1.next_cursor}`,
      headers: await as('wh-pages'),
    });
    const page2 = second.json() as { data: Delivery[]; next_cursor: string | null };
    assert.deepEqual(
      page2.data.map((d) => d.id),
      ids.slice(2),
    );
    assert.equal(page2.next_cursor, null);
    const bad = await t.app.inject({
      url: `/v1/webhooks/${hook.id}/deliveries?cursor=nonsense`,
      headers: await as('wh-pages'),
    });
    assertProblem(bad, 400, 'VALIDATION_FAILED');
  });
});

describe('webhooks: job.dead and retries running out', () => {
  let t: TestApp;
  let source: Upstream;
  let receiver: Upstream;
  let broken: Upstream;

  before(async () => {
    source = await startUpstream();
    receiver = await startUpstream();
    broken = await startUpstream();
    for (const upstream of [source, receiver, broken]) onCleanup(() => upstream.close());
    source.on('/down.txt', script.status(503));
    receiver.on('/hook', script.status(200));
    broken.on('/hook', script.status(500));
    t = await buildTestApp({
      QUIRE_FETCH_ALLOW_HOSTS: [source, receiver, broken].map((u) => u.host).join(','),
      QUIRE_JOB_MAX_ATTEMPTS: '1',
      QUIRE_FETCH_RETRIES: '0',
      // One attempt per delivery: the retry window is spent at once.
      QUIRE_WEBHOOK_RETRY_WINDOW_S: '0',
      QUIRE_WORKER_POLL_MS: '20',
    });
    await t.app.ready();
  });

  async function hookFor(url: string): Promise<Created> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: t.admin,
      payload: { url, events: ['job.dead'] },
    });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as Created;
  }

  async function killFetchJob(): Promise<JobBody> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/documents',
      headers: t.admin,
      payload: { url: source.url('/down.txt') },
    });
    assert.equal(response.statusCode, 202, response.body);
    const id = (response.json() as { job: { id: string } }).job.id;
    return until(
      () => getJob(t, id),
      (job) => job.status === 'dead',
      'the fetch job dies',
    );
  }

  async function listOf(id: string): Promise<Delivery[]> {
    const response = await t.app.inject({ url: `/v1/webhooks/${id}/deliveries`, headers: t.admin });
    return (response.json() as { data: Delivery[] }).data;
  }

  it('a job that dies is announced as job.dead; one that dies of a dead receiver is not', async () => {
    const good = await hookFor(receiver.url('/hook'));
    const bad = await hookFor(broken.url('/hook'));
    const dead = await killFetchJob();

    const [delivered] = await until(
      () => listOf(good.id),
      (list) => list[0]?.status === 'delivered',
      'job.dead delivered',
    );
    assert.equal(delivered?.event, 'job.dead');
    const request = receiver.requests.find((r) => r.path === '/hook');
    assert.ok(request !== undefined);
    verifySignature(request, good.secret);
    const body = JSON.parse(request.body) as DeliveredBody;
    assert.equal(body.type, 'job.dead');
    assert.equal(body.data.job?.id, dead.id);
    assert.equal(body.data.job?.status, 'dead');
    assert.equal((body.data.job?.error as { code?: string } | undefined)?.code, 'FETCH_FAILED');

    // The broken receiver's delivery gets its one attempt, then fails with its job dead.
    const [failed] = await until(
      () => listOf(bad.id),
      (list) => list[0]?.status === 'failed',
      'the delivery to the broken receiver fails',
    );
    assert.deepEqual(
      [failed?.attempts, failed?.response_status, failed?.error?.code],
      [1, 500, 'UPSTREAM_FAILED'],
    );
    const job = await getJob(t, String(failed?.job_id));
    assert.equal(job.status, 'dead');
    // That webhook job's own death is not announced again (it would loop every 24 h).
    await sleep(500);
    assert.equal((await listOf(bad.id)).length, 1);
    assert.equal((await listOf(good.id)).length, 1);
    assert.equal(broken.hits('/hook'), 1);
  });
});
