/**
 * The webhook services below HTTP: publishing writes one delivery and one job per subscription in
 * one transaction, tells the queue after the commit, never throws into the caller, and does not
 * announce the death of its own delivery jobs; a guard refusal at subscription is a 422.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqlite } from '../../../src/adapters/sqlite/database.js';
import { migrateToLatest } from '../../../src/adapters/sql/migrate.js';
import { createSqlAuditLog } from '../../../src/adapters/sql/audit-log.js';
import { createSqlTenantStore } from '../../../src/adapters/sql/tenant-store.js';
import { createSqlUnitOfWork } from '../../../src/adapters/sql/unit-of-work.js';
import type { SqlDatabase } from '../../../src/adapters/sql/database.js';
import { createWebhookServices, type WebhookServices } from '../../../src/domain/webhooks/index.js';
import { AppError } from '../../../src/errors.js';
import type { DomainEvent } from '../../../src/ports/events.js';
import { FetchError } from '../../../src/ports/fetcher.js';
import type { JobQueue } from '../../../src/ports/job-queue.js';
import type { JobRecord } from '../../../src/ports/job-store.js';
import { tempDir } from '../../helpers/app.js';

const ACTOR = { actor: 'key_test', tenantId: 'acme', requestId: 'req-1', ip: '127.0.0.1' };

describe('webhook subscriptions and deliveries', () => {
  let database: SqlDatabase;
  const key = randomBytes(32);
  const enqueued: JobRecord[][] = [];
  const errors: unknown[] = [];
  let failEnqueue = false;
  let service: WebhookServices;

  before(async () => {
    database = openSqlite({ filename: join(tempDir(), 'quire.db') });
    await migrateToLatest(database);
    const queue = {
      async enqueue(jobs: JobRecord[]) {
        if (failEnqueue) throw new Error('queue down');
        enqueued.push(jobs);
      },
    } as unknown as JobQueue;
    service = createWebhookServices({
      uow: createSqlUnitOfWork(database),
      queue,
      tenants: createSqlTenantStore(database),
      audit: createSqlAuditLog(database),
      guard: { assertAllowed: () => undefined },
      encryptionKey: key,
      retryBaseMs: 10_000,
      retryWindowMs: 86_400_000,
      onPublishError: (error) => errors.push(error),
    });
  });
  after(() => database.close());

  const event = (overrides: Partial<DomainEvent> = {}): DomainEvent => ({
    type: 'document.ready',
    tenant_id: 'acme',
    data: { document: { id: 'doc_1', status: 'ready' } },
    request_id: 'req-9',
    occurred_at: new Date().toISOString(),
    ...overrides,
  });

  it('writes one delivery and one job per subscription, then tells the queue', async () => {
    const one = await service.subscriptions.create(
      'acme',
      { url: 'https://a.example.com/h', events: ['document.ready'] },
      ACTOR,
    );
    await service.subscriptions.create(
      'acme',
      { url: 'https://b.example.com/h', events: ['document.ready', 'job.dead'] },
      ACTOR,
    );
    await service.subscriptions.create(
      'acme',
      { url: 'https://c.example.com/h', events: ['job.dead'] },
      ACTOR,
    );
    await service.subscriptions.create(
      'other',
      { url: 'https://d.example.com/h', events: ['document.ready'] },
      ACTOR,
    );

    // The secret is sealed at rest and opened for signing.
    const row = await database.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', one.webhook.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.secret_scheme, 'aes-256-gcm');
    assert.ok(!row.secret.includes(one.secret.slice(6)));

    await service.deliveries.publish(event());
    assert.deepEqual(errors, []);
    assert.equal(enqueued.length, 1);
    const jobs = enqueued[0] ?? [];
    assert.equal(jobs.length, 2);
    for (const job of jobs) {
      assert.deepEqual(
        [job.type, job.lane, job.status, job.document_id, job.request_id, job.max_attempts],
        ['webhook', 'small', 'queued', null, 'req-9', 36],
      );
      const target = await service.deliveries.deliveryTarget(job);
      assert.ok(target !== null);
      assert.equal(target.delivery.job_id, job.id);
      assert.deepEqual(target.delivery.data, { document: { id: 'doc_1', status: 'ready' } });
      if (target.webhook.id === one.webhook.id) assert.equal(target.secret, one.secret);
      const signed = service.deliveries.signedRequest(target.delivery, target.secret);
      assert.equal(signed.headers['quire-delivery'], target.delivery.id);
      assert.equal(signed.headers['x-request-id'], 'req-9');
    }
  });

  it('never throws into the caller: a failure is reported and dropped', async () => {
    failEnqueue = true;
    await service.deliveries.publish(event());
    failEnqueue = false;
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /queue down/);
  });

  it('does not announce the death of its own delivery jobs', async () => {
    const before = enqueued.length;
    await service.deliveries.publish(
      event({ type: 'job.dead', data: { job: { id: 'job_x', type: 'webhook', status: 'dead' } } }),
    );
    assert.equal(enqueued.length, before);
    await service.deliveries.publish(
      event({ type: 'job.dead', data: { job: { id: 'job_y', type: 'fetch', status: 'dead' } } }),
    );
    assert.equal(enqueued.length, before + 1);
    assert.equal(enqueued[before]?.length, 2, 'b and c listen to job.dead');
  });

  it('turns a guard refusal into 422 URL_NOT_ALLOWED, and stores nothing', async () => {
    const strict = createWebhookServices({
      uow: createSqlUnitOfWork(database),
      queue: {} as JobQueue,
      tenants: createSqlTenantStore(database),
      audit: createSqlAuditLog(database),
      guard: {
        assertAllowed() {
          throw new FetchError('not_allowed', 'address 10.0.0.1 is not allowed (private)', false);
        },
      },
      retryBaseMs: 10_000,
      retryWindowMs: 0,
    });
    assert.equal(strict.deliveries.maxAttempts, 1);
    await assert.rejects(
      strict.subscriptions.create(
        'guarded',
        { url: 'http://10.0.0.1/', events: ['job.dead'] },
        ACTOR,
      ),
      (error: unknown) => error instanceof AppError && error.code === 'URL_NOT_ALLOWED',
    );
    assert.deepEqual((await strict.subscriptions.list('guarded', 10, null)).data, []);
  });
});
