/**
 * Webhooks end to end, through HTTP: subscriptions, real document and job events from the app's
 * own workers, signed deliveries to local receivers (127.0.0.1, exempted from the SSRF guard by
 * QUIRE_FETCH_ALLOW_HOSTS for exactly their host:port), retries with backoff, the guard at
 * creation and at delivery, tenancy, validation and pagination.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp, createApiKey, onCleanup, type TestApp } from '../helpers/app.js';
import { getJob, submitText, type JobBody } from '../helpers/jobs.js';
import { assertProblem } from '../helpers/problem.js';
import { script, startUpstream, type SeenRequest, type Upstream } from '../helpers/upstream.js';

interface Created {
  id: string;
  url: string;
  events: string[];
  created_at: string;
  secret: string;
}

interface Delivery {
  id: string;
  webhook_id: string;
  job_id: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  response_status?: number;
  error?: { code: string; message: string };
  created_at: string;
  delivered_at?: string;
  next_attempt_at?: string;
}

interface DeliveredBody {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, Record<string, unknown>>;
}

const SETTLED = new Set(['delivered', 'failed']);

async function until<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}; last: ${JSON.stringify(value)}`);
    await sleep(25);
  }
}

/** Checks `Quire-Signature` the way a receiver would, with the secret it was given. */
function verifySignature(request: SeenRequest, secret: string): number {
  const header = String(request.headers['quire-signature']);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  assert.ok(match !== null, `signature header: ${header}`);
  const [, t = '', v1 = ''] = match;
  const expected = createHmac('sha256', secret).update(`${t}.${request.body}`).digest();
  assert.ok(timingSafeEqual(Buffer.from(v1, 'hex'), expected), 'the signature verifies');
  const age = Math.abs(Date.now() / 1000 - Number(t));
  assert.ok(age < 60, `timestamp is current (${age} s off)`);
  return Number(t);
}

describe('webhooks', () => {
  let t: TestApp;
  /** Accepts everything (204). */
  let sink: Upstream;
  /** Fails three times, then accepts. */
  let flaky: Upstream;
  /** Must never be connected to: reached only through `localhost`, which is not exempt. */
  let hidden: Upstream;
  const keys = new Map<string, Record<string, string>>();

  /** The auth headers of a key for its own tenant (created once per tenant). */
  async function as(tenant: string): Promise<Record<string, string>> {
    let headers = keys.get(tenant);
    if (headers === undefined) {
      const { key } = await createApiKey(t, {
        name: tenant,
        tenant_id: tenant,
        scopes: ['documents:read', 'documents:write'],
      });
      headers = { authorization: `Bearer ${key}` };
      keys.set(tenant, headers);
    }
    return headers;
  }

  async function createHook(
    tenant: string,
    body: Record<string, unknown>,
    extra: Record<string, string> = {},
  ): Promise<Created> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: { ...(await as(tenant)), ...extra },
      payload: body,
    });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as Created;
  }

  async function deliveries(tenant: string, id: string, query = ''): Promise<Delivery[]> {
    const response = await t.app.inject({
      url: `/v1/webhooks/${id}/deliveries${query}`,
      headers: await as(tenant),
    });
    assert.equal(response.statusCode, 200, response.body);
    return (response.json() as { data: Delivery[] }).data;
  }

  /** Creates a text document for the tenant and waits until it is ready. */
  async function readyDocument(
    tenant: string,
    text: string,
    requestId?: string,
  ): Promise<{ id: string; requestId: string | undefined }> {
    const headers = { ...(await as(tenant)), ...(requestId ? { 'x-request-id': requestId } : {}) };
    const { document } = await submitText(t, text, 'note.txt', headers);
    const settled = await until(
      async () =>
        (
          await t.app.inject({ url: `/v1/documents/${document.id}`, headers: await as(tenant) })
        ).json() as { status: string },
      (d) => d.status === 'ready' || d.status === 'failed',
      `document ${document.id} settles`,
    );
    assert.equal(settled.status, 'ready', JSON.stringify(settled));
    return { id: document.id, requestId };
  }

  async function metric(name: string): Promise<number> {
    const body = (await t.app.inject({ url: '/metrics' })).body;
    const line = body.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  }

  before(async () => {
    sink = await startUpstream();
    flaky = await startUpstream();
    hidden = await startUpstream();
    for (const upstream of [sink, flaky, hidden]) onCleanup(() => upstream.close());
    sink.on('/hook', script.status(204, ''));
    hidden.on('/hook', script.status(200));
    t = await buildTestApp({
      QUIRE_FETCH_ALLOW_HOSTS: `${sink.host},${flaky.host},127.0.0.1:${hidden.port}`,
      QUIRE_WEBHOOK_RETRY_BASE_MS: '50',
      QUIRE_WORKER_POLL_MS: '20',
      QUIRE_JOB_RETRY_BASE_MS: '20',
    });
    await t.app.ready();
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

  it('validates the request: 400 with paths, 409 past 20 webhooks', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'not a url', events: ['document.ready'] }, '/body/url'],
      [{ url: 'http://', events: ['document.ready'] }, '/body/url'],
      [{ url: 'ftp://example.com/hook', events: ['document.ready'] }, '/body/url'],
      [{ url: `https://example.com/${'a'.repeat(2040)}`, events: ['job.dead'] }, '/body/url'],
      [{ url: 'https://example.com/', events: ['document.deleted'] }, '/body/events/0'],
      [{ url: 'https://example.com/', events: [] }, '/body/events'],
      [{ url: 'https://example.com/', events: ['job.dead', 'job.dead'] }, '/body/events'],
      [{ url: 'https://example.com/' }, '/body/events'],
      [{ url: 'https://example.com/', events: ['job.dead'], secret: 'short' }, '/body/secret'],
      [
        { url: 'https://example.com/', events: ['job.dead'], secret: 'has spaces in it ok' },
        '/body/secret',
      ],
    ];
    for (const [payload, path] of cases) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: await as('wh-valid'),
        payload,
      });
      const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
      const errors = problem.errors as { path: string }[];
      assert.equal(errors[0]?.path, path, JSON.stringify(payload).slice(0, 100));
    }
    for (let i = 0; i < 20; i++)
      await createHook('wh-valid', { url: `https://example.com/hook/${i}`, events: ['job.dead'] });
    const over = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: await as('wh-valid'),
      payload: { url: 'https://example.com/hook/21', events: ['job.dead'] },
    });
    assertProblem(over, 409, 'CONFLICT');
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
