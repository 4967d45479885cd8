/**
 * Shared by the webhook route tests: what the API answers and what a receiver gets, checking a
 * signature as a receiver would, and an app with three local receivers (127.0.0.1, exempted from
 * the SSRF guard by QUIRE_FETCH_ALLOW_HOSTS for exactly their host:port) and its helpers.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp, createApiKey, onCleanup, type TestApp } from '../../../helpers/app.js';
import { submitText } from '../../../helpers/jobs.js';
import {
  script,
  startUpstream,
  type SeenRequest,
  type Upstream,
} from '../../../helpers/upstream.js';

export interface Created {
  id: string;
  url: string;
  events: string[];
  created_at: string;
  secret: string;
}

export interface Delivery {
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

export interface DeliveredBody {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, Record<string, unknown>>;
}

export const SETTLED = new Set(['delivered', 'failed']);

export async function until<T>(
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
export function verifySignature(request: SeenRequest, secret: string): number {
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

/** The webhook app and the helpers its tests share, bound to it. */
export interface WebhookApp {
  t: TestApp;
  /** Accepts everything (204). */
  sink: Upstream;
  /** Fails three times, then accepts. */
  flaky: Upstream;
  /** Must never be connected to: reached only through `localhost`, which is not exempt. */
  hidden: Upstream;
  /** The auth headers of a key for its own tenant (created once per tenant). */
  as(tenant: string): Promise<Record<string, string>>;
  createHook(
    tenant: string,
    body: Record<string, unknown>,
    extra?: Record<string, string>,
  ): Promise<Created>;
  deliveries(tenant: string, id: string, query?: string): Promise<Delivery[]>;
  /** Creates a text document for the tenant and waits until it is ready. */
  readyDocument(
    tenant: string,
    text: string,
    requestId?: string,
  ): Promise<{ id: string; requestId: string | undefined }>;
  metric(name: string): Promise<number>;
}

/** Starts the receivers and an app whose webhook and job retries are fast. */
export async function startWebhookApp(): Promise<WebhookApp> {
  const sink = await startUpstream();
  const flaky = await startUpstream();
  const hidden = await startUpstream();
  for (const upstream of [sink, flaky, hidden]) onCleanup(() => upstream.close());
  sink.on('/hook', script.status(204, ''));
  hidden.on('/hook', script.status(200));
  const t = await buildTestApp({
    QUIRE_FETCH_ALLOW_HOSTS: `${sink.host},${flaky.host},127.0.0.1:${hidden.port}`,
    QUIRE_WEBHOOK_RETRY_BASE_MS: '50',
    QUIRE_WORKER_POLL_MS: '20',
    QUIRE_JOB_RETRY_BASE_MS: '20',
  });
  await t.app.ready();
  const keys = new Map<string, Record<string, string>>();

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

  return { t, sink, flaky, hidden, as, createHook, deliveries, readyDocument, metric };
}
