/**
 * The WebhookStore contract, for every adapter: tenant-scoped subscriptions, newest-first
 * pagination, deliveries written in the same transaction as their jobs (all or nothing), attempts
 * counted, a delivered delivery never going back, deletion taking deliveries along, and the
 * per-tenant lock that keeps count-then-insert from racing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/shared/ids.js';
import type { EventType } from '../../src/ports/events.js';
import type { JobRecord } from '../../src/ports/job-store.js';
import type { UnitOfWork } from '../../src/ports/unit-of-work.js';
import type { DeliveryRecord, WebhookRecord } from '../../src/ports/webhook-store.js';

export interface WebhookStoreFixture {
  uow: UnitOfWork;
  /** Creates the tenant row webhooks refer to. */
  ensureTenant(id: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface WebhookStoreFactory {
  name: string;
  open(): Promise<WebhookStoreFixture>;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function webhook(tenantId: string, overrides: Partial<WebhookRecord> = {}): WebhookRecord {
  return {
    id: newId('whk', Date.now()),
    tenant_id: tenantId,
    url: 'https://hooks.example.com/quire',
    events: ['document.ready'],
    secret: 'whsec_test',
    secret_scheme: 'plain',
    created_at: new Date().toISOString(),
    ...overrides,
  };
}

function deliveryJob(tenantId: string, deliveryId: string, webhookId: string): JobRecord {
  const at = new Date().toISOString();
  return {
    id: newId('job', Date.now()),
    tenant_id: tenantId,
    document_id: null,
    type: 'webhook',
    lane: 'small',
    status: 'queued',
    attempts: 0,
    max_attempts: 36,
    payload: { delivery_id: deliveryId, webhook_id: webhookId },
    progress: { done: 0, total: 36, unit: 'attempts' },
    error: null,
    request_id: 'req-1',
    workers: [],
    next_attempt_at: at,
    created_at: at,
    started_at: null,
    finished_at: null,
  };
}

function delivery(
  hook: WebhookRecord,
  jobId: string,
  id = newId('dlv', Date.now()),
): DeliveryRecord {
  return {
    id,
    tenant_id: hook.tenant_id,
    webhook_id: hook.id,
    event: 'document.ready',
    data: { document: { id: 'doc_1', title: 'Ünïcode ✓', tags: ['a'] } },
    request_id: 'req-1',
    job_id: jobId,
    status: 'pending',
    attempts: 0,
    response_status: null,
    error: null,
    created_at: new Date().toISOString(),
    delivered_at: null,
    last_attempt_at: null,
  };
}

export function webhookStoreContract(factory: WebhookStoreFactory): void {
  describe(`WebhookStore contract: ${factory.name}`, () => {
    let fixture: WebhookStoreFixture;
    let uow: UnitOfWork;
    before(async () => {
      fixture = await factory.open();
      uow = fixture.uow;
    });
    after(() => fixture.dispose());

    async function tenant(): Promise<string> {
      const id = `t-${newId('x', Date.now()).slice(-10)}`;
      await fixture.ensureTenant(id);
      return id;
    }

    /** Inserts a delivery with its job, in one transaction, as the service does. */
    async function addDelivery(hook: WebhookRecord): Promise<DeliveryRecord> {
      const id = newId('dlv', Date.now());
      const job = deliveryJob(hook.tenant_id, id, hook.id);
      const record = delivery(hook, job.id, id);
      await uow.run(async (stores) => {
        await stores.jobs.insert(job);
        await stores.webhooks.insertDelivery(record);
      });
      return record;
    }

    it('stores a webhook and reads it back, for its tenant only', async () => {
      const [a, b] = [await tenant(), await tenant()];
      const hook = webhook(a, {
        events: ['document.ready', 'job.dead'],
        secret: 'c2VhbGVk',
        secret_scheme: 'aes-256-gcm',
      });
      await uow.stores.webhooks.insert(hook);
      const read = await uow.stores.webhooks.get(a, hook.id);
      assert.ok(read !== null);
      assert.match(read.created_at, RFC3339);
      assert.deepEqual({ ...read, created_at: hook.created_at }, hook);
      assert.equal(Date.parse(read.created_at), Date.parse(hook.created_at));
      assert.equal(await uow.stores.webhooks.get(b, hook.id), null);
      assert.equal(await uow.stores.webhooks.get(a, 'whk_missing'), null);
    });

    it('lists newest first, page by page, never another tenant’s', async () => {
      const [a, b] = [await tenant(), await tenant()];
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const hook = webhook(a);
        ids.push(hook.id);
        await uow.stores.webhooks.insert(hook);
      }
      await uow.stores.webhooks.insert(webhook(b));
      ids.sort(); // ids sort by creation time (the random tail orders ids of one millisecond)
      const first = await uow.stores.webhooks.list(a, 2, null);
      assert.deepEqual(
        first.data.map((w) => w.id),
        [ids[4], ids[3]],
      );
      assert.equal(first.next_cursor, ids[3]);
      const second = await uow.stores.webhooks.list(a, 2, first.next_cursor);
      assert.deepEqual(
        second.data.map((w) => w.id),
        [ids[2], ids[1]],
      );
      const last = await uow.stores.webhooks.list(a, 2, second.next_cursor);
      assert.deepEqual(
        last.data.map((w) => w.id),
        [ids[0]],
      );
      assert.equal(last.next_cursor, null);
      assert.equal(await uow.stores.webhooks.count(a), 5);
      assert.equal(await uow.stores.webhooks.count(b), 1);
    });

    it('finds the subscriptions of one event type', async () => {
      const a = await tenant();
      const ready = webhook(a, { events: ['document.ready'] });
      const both = webhook(a, { events: ['document.failed', 'job.dead'] });
      await uow.stores.webhooks.insert(ready);
      await uow.stores.webhooks.insert(both);
      const ids = async (event: EventType) =>
        (await uow.stores.webhooks.subscribedTo(a, event)).map((w) => w.id).sort();
      assert.deepEqual(await ids('document.ready'), [ready.id]);
      assert.deepEqual(await ids('job.dead'), [both.id]);
      assert.deepEqual(await ids('document.failed'), [both.id]);
      assert.deepEqual(await uow.stores.webhooks.subscribedTo(await tenant(), 'job.dead'), []);
    });

    it('writes a delivery and its job together, or neither', async () => {
      const a = await tenant();
      const hook = webhook(a);
      await uow.stores.webhooks.insert(hook);
      const written = await addDelivery(hook);
      const read = await uow.stores.webhooks.getDelivery(a, written.id);
      assert.ok(read !== null);
      assert.deepEqual(
        { ...read, created_at: written.created_at },
        written,
        'JSON data and nulls round-trip',
      );
      assert.equal(await uow.stores.webhooks.getDelivery(await tenant(), written.id), null);

      const id = newId('dlv', Date.now());
      const job = deliveryJob(a, id, hook.id);
      await assert.rejects(
        uow.run(async (stores) => {
          await stores.jobs.insert(job);
          await stores.webhooks.insertDelivery(delivery(hook, job.id, id));
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal(await uow.stores.webhooks.getDelivery(a, id), null);
      assert.equal(await uow.stores.jobs.get(a, job.id), null);
    });

    it('lists a webhook’s deliveries newest first with where their jobs stand', async () => {
      const a = await tenant();
      const hook = webhook(a);
      const other = webhook(a);
      await uow.stores.webhooks.insert(hook);
      await uow.stores.webhooks.insert(other);
      const written: DeliveryRecord[] = [];
      for (let i = 0; i < 3; i++) written.push(await addDelivery(hook));
      await addDelivery(other);
      written.sort((x, y) => (x.id < y.id ? -1 : 1));
      const first = await uow.stores.webhooks.listDeliveries(a, hook.id, 2, null);
      assert.deepEqual(
        first.data.map((d) => d.id),
        [written[2]?.id, written[1]?.id],
      );
      assert.equal(first.data[0]?.job_status, 'queued');
      assert.match(String(first.data[0]?.job_next_attempt_at), RFC3339);
      const rest = await uow.stores.webhooks.listDeliveries(a, hook.id, 2, first.next_cursor);
      assert.deepEqual(
        rest.data.map((d) => d.id),
        [written[0]?.id],
      );
      assert.equal(rest.next_cursor, null);
      const foreign = await uow.stores.webhooks.listDeliveries(await tenant(), hook.id, 10, null);
      assert.deepEqual(foreign.data, []);
    });

    it('counts attempts; a delivered delivery stays delivered', async () => {
      const a = await tenant();
      const hook = webhook(a);
      await uow.stores.webhooks.insert(hook);
      const { id } = await addDelivery(hook);
      const at1 = new Date().toISOString();
      const failed = await uow.stores.webhooks.recordAttempt(a, id, {
        status: 'pending',
        response_status: 503,
        error: { code: 'UPSTREAM_FAILED', message: 'The receiver answered 503' },
        at: at1,
      });
      assert.equal(failed?.attempts, 1);
      assert.equal(failed?.response_status, 503);
      assert.equal(failed?.error?.code, 'UPSTREAM_FAILED');
      assert.equal(failed?.delivered_at, null);
      assert.equal(Date.parse(String(failed?.last_attempt_at)), Date.parse(at1));

      const at2 = new Date(Date.now() + 1000).toISOString();
      const delivered = await uow.stores.webhooks.recordAttempt(a, id, {
        status: 'delivered',
        response_status: 204,
        error: null,
        at: at2,
      });
      assert.equal(delivered?.attempts, 2);
      assert.equal(delivered?.status, 'delivered');
      assert.equal(delivered?.error, null);
      assert.equal(Date.parse(String(delivered?.delivered_at)), Date.parse(at2));

      const late = await uow.stores.webhooks.recordAttempt(a, id, {
        status: 'pending',
        response_status: 500,
        error: { code: 'UPSTREAM_FAILED', message: 'late duplicate' },
        at: new Date().toISOString(),
      });
      assert.equal(late, null);
      await uow.stores.webhooks.markFailed(a, id, { code: 'UPSTREAM_FAILED', message: 'too late' });
      const now = await uow.stores.webhooks.getDelivery(a, id);
      assert.deepEqual([now?.status, now?.attempts, now?.response_status], ['delivered', 2, 204]);
      assert.equal(
        await uow.stores.webhooks.recordAttempt(await tenant(), id, {
          status: 'delivered',
          response_status: 200,
          error: null,
          at: at2,
        }),
        null,
        'another tenant cannot touch it',
      );
    });

    it('marks an unsent delivery failed, keeping its attempts', async () => {
      const a = await tenant();
      const hook = webhook(a);
      await uow.stores.webhooks.insert(hook);
      const { id } = await addDelivery(hook);
      await uow.stores.webhooks.recordAttempt(a, id, {
        status: 'pending',
        response_status: null,
        error: { code: 'TIMEOUT', message: 'no answer' },
        at: new Date().toISOString(),
      });
      await uow.stores.webhooks.markFailed(a, id, { code: 'URL_NOT_ALLOWED', message: 'refused' });
      const read = await uow.stores.webhooks.getDelivery(a, id);
      assert.deepEqual(
        [read?.status, read?.attempts, read?.error?.code],
        ['failed', 1, 'URL_NOT_ALLOWED'],
      );
    });

    it('deletes a webhook with its deliveries, for its tenant only', async () => {
      const [a, b] = [await tenant(), await tenant()];
      const hook = webhook(a);
      await uow.stores.webhooks.insert(hook);
      const { id } = await addDelivery(hook);
      assert.equal(await uow.stores.webhooks.delete(b, hook.id), null);
      const deleted = await uow.run((stores) => stores.webhooks.delete(a, hook.id));
      assert.equal(deleted?.id, hook.id);
      assert.equal(await uow.stores.webhooks.get(a, hook.id), null);
      assert.equal(await uow.stores.webhooks.getDelivery(a, id), null);
      assert.equal(await uow.stores.webhooks.delete(a, hook.id), null);
    });

    it('the tenant lock keeps concurrent count-then-insert within a limit', async () => {
      const a = await tenant();
      const limit = 3;
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () =>
          uow.run(async (stores) => {
            await stores.webhooks.lockTenant(a);
            if ((await stores.webhooks.count(a)) >= limit) throw new Error('limit');
            await stores.webhooks.insert(webhook(a));
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, limit);
      assert.equal(await uow.stores.webhooks.count(a), limit);
    });
  });
}
