/**
 * The webhook services below HTTP: the retry budget arithmetic, the signature format, secrets sealed
 * at rest, how a delivery's status is shown, and publishing — one transaction for every
 * delivery and job, the queue told after the commit, and never an error thrown into the caller.
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
import { nominalRetryDelay } from '../../../src/domain/retry-schedule.js';
import { createWebhookServices, type WebhookServices } from '../../../src/domain/webhooks/index.js';
import {
  WEBHOOK_MAX_RETRY_DELAY_MS,
  WEBHOOK_RETRY_JITTER,
  webhookMaxAttempts,
} from '../../../src/domain/webhooks/retry-window.js';
import { openSecret, sealSecret } from '../../../src/domain/webhooks/secrets.js';
import { signatureHeader } from '../../../src/domain/webhooks/signing.js';
import { deliveryView } from '../../../src/http/views/webhooks.js';
import { AppError } from '../../../src/errors.js';
import type { DomainEvent } from '../../../src/ports/events.js';
import { FetchError } from '../../../src/ports/fetcher.js';
import type { JobQueue } from '../../../src/ports/job-queue.js';
import type { JobRecord } from '../../../src/ports/job-store.js';
import type { DeliveryWithJob, WebhookRecord } from '../../../src/ports/webhook-store.js';
import { tempDir } from '../../helpers/app.js';

const ACTOR = { actor: 'key_test', tenantId: 'acme', requestId: 'req-1', ip: '127.0.0.1' };

describe('webhook retry budget', () => {
  it('36 attempts cover 24 h from a 10 s base doubling to 1 h, even at the short end of the jitter', () => {
    const attempts = webhookMaxAttempts(10_000, 86_400_000);
    assert.equal(attempts, 36);
    const delays = Array.from({ length: attempts - 1 }, (_, i) =>
      nominalRetryDelay(10_000, i + 1, WEBHOOK_MAX_RETRY_DELAY_MS),
    );
    const shortest = delays.reduce((sum, d) => sum + d * (1 - WEBHOOK_RETRY_JITTER), 0);
    const longest = delays.reduce((sum, d) => sum + d, 0);
    assert.ok(shortest >= 86_400_000, `${shortest / 3_600_000} h`);
    assert.ok(shortest - delays[delays.length - 1]! * 0.9 < 86_400_000, 'one fewer would not');
    assert.ok(longest < 28 * 3_600_000, `at most ${longest / 3_600_000} h`);
  });

  it('a zero window is one attempt; a tiny base cannot make it endless', () => {
    assert.equal(webhookMaxAttempts(10_000, 0), 1);
    assert.ok(webhookMaxAttempts(10, 7 * 86_400_000) <= 1000);
  });
});

describe('signing and secrets', () => {
  it('signs "<t>.<body>" with HMAC-SHA256, hex', () => {
    assert.equal(
      signatureHeader('whsec_test', 1_700_000_000, '{"id":"dlv_1"}'),
      't=1700000000,v1=2a0722e4ac505ea617f66864cfe969f1a52b2eb51aa59f3addb27def47a81236',
    );
  });

  it('seals a secret with the encryption key, bound to its webhook', () => {
    const key = randomBytes(32);
    const sealed = sealSecret('whsec_abc', 'whk_1', key);
    assert.equal(sealed.secret_scheme, 'aes-256-gcm');
    assert.ok(!sealed.secret.includes('whsec_abc'));
    const record = (id: string): WebhookRecord => ({
      id,
      tenant_id: 'acme',
      url: 'https://example.com',
      events: ['job.dead'],
      ...sealed,
      created_at: new Date().toISOString(),
    });
    assert.equal(openSecret(record('whk_1'), key), 'whsec_abc');
    assert.throws(() => openSecret(record('whk_2'), key), 'moved to another row');
    assert.throws(() => openSecret(record('whk_1'), randomBytes(32)), 'another key');
    assert.throws(() => openSecret(record('whk_1'), undefined), /QUIRE_ENCRYPTION_KEY/);
    assert.deepEqual(sealSecret('whsec_abc', 'whk_1', undefined), {
      secret: 'whsec_abc',
      secret_scheme: 'plain',
    });
  });
});

describe('deliveryView', () => {
  const base: DeliveryWithJob = {
    id: 'dlv_1',
    tenant_id: 'acme',
    webhook_id: 'whk_1',
    event: 'document.ready',
    data: {},
    request_id: null,
    job_id: 'job_1',
    status: 'pending',
    attempts: 2,
    response_status: 500,
    error: { code: 'UPSTREAM_FAILED', message: 'The receiver answered 500' },
    created_at: '2026-01-01T00:00:00.000Z',
    delivered_at: null,
    last_attempt_at: '2026-01-01T00:00:01.000Z',
    job_status: 'queued',
    job_next_attempt_at: '2026-01-01T00:00:21.000Z',
  };

  it('a queued retry is pending with its next attempt', () => {
    const view = deliveryView(base);
    assert.equal(view.status, 'pending');
    assert.equal(view.next_attempt_at, base.job_next_attempt_at);
    assert.equal(view.error?.code, 'UPSTREAM_FAILED');
    assert.equal('tenant_id' in view || 'data' in view, false);
  });

  it('a dead job retried through the jobs API makes a failed delivery pending again', () => {
    assert.equal(
      deliveryView({ ...base, status: 'failed', job_status: 'queued' }).status,
      'pending',
    );
  });

  it('a cancelled job leaves its delivery failed', () => {
    const view = deliveryView({ ...base, error: null, job_status: 'cancelled' });
    assert.equal(view.status, 'failed');
    assert.equal(view.error?.code, 'CANCELLED');
    assert.equal(view.next_attempt_at, undefined);
  });

  it('a delivered one shows no error', () => {
    const view = deliveryView({
      ...base,
      status: 'delivered',
      response_status: 200,
      delivered_at: '2026-01-01T00:00:02.000Z',
      job_status: 'succeeded',
    });
    assert.deepEqual(
      [view.status, view.error, view.response_status],
      ['delivered', undefined, 200],
    );
  });
});

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
