/**
 * Webhooks: tenants subscribe a URL to event types; every event becomes one delivery per
 * subscription, written with the `webhook` job that sends it in one transaction (so an event is
 * never half fanned out), and sent by that job as a signed POST through the SSRF-guarded fetcher.
 * A failed attempt is retried by the job runner with exponential backoff for at least
 * QUIRE_WEBHOOK_RETRY_WINDOW_S (24 h); an address the guard refuses fails the delivery at once.
 *
 * Publishing never throws into the caller (a document becoming ready must not fail because a
 * webhook could not be queued): failures are reported to `onPublishError` and dropped.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { DomainEvent, EventPublisher, EventType } from '../ports/events.js';
import { FetchError } from '../ports/fetcher.js';
import type { JobFailure } from '../ports/failures.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { JobRecord } from '../ports/job-store.js';
import type { Page } from '../ports/page.js';
import type { TenantStore } from '../ports/tenant-store.js';
import type { UnitOfWork } from '../ports/unit-of-work.js';
import type {
  DeliveryError,
  DeliveryRecord,
  DeliveryStatus,
  DeliveryWithJob,
  SecretScheme,
  WebhookRecord,
} from '../ports/webhook-store.js';
import type { Actor } from './api-keys.js';
import { newId } from '../shared/ids.js';
import { nominalRetryDelay } from './retry-schedule.js';
import { systemClock, type Clock } from '../ports/clock.js';

export const MAX_WEBHOOKS_PER_TENANT = 20;
/** Retry delays double from QUIRE_WEBHOOK_RETRY_BASE_MS up to this. */
export const WEBHOOK_MAX_RETRY_DELAY_MS = 60 * 60_000;
/** Each retry delay is drawn from [90%, 100%] of its nominal value. */
export const WEBHOOK_RETRY_JITTER = 0.1;
/** A runaway window or a tiny base cannot make a job retry forever. */
const MAX_ATTEMPTS_CEILING = 1000;
const SECRET_PREFIX = 'whsec_';
const USER_AGENT = 'Quire-Webhooks/1';

/**
 * Attempts a delivery job gets so that its retries span at least `windowMs`, even when every
 * delay is drawn at the short end of its jitter: with a 10 s base doubling to a 1 h cap, 24 h
 * is 36 attempts (the last one between ~24.7 h and ~27.4 h after the first).
 */
export function webhookMaxAttempts(baseMs: number, windowMs: number): number {
  let attempts = 1;
  let covered = 0;
  while (covered < windowMs && attempts < MAX_ATTEMPTS_CEILING) {
    const delay = nominalRetryDelay(baseMs, attempts, WEBHOOK_MAX_RETRY_DELAY_MS);
    covered += delay * (1 - WEBHOOK_RETRY_JITTER);
    attempts++;
  }
  return attempts;
}

/** `Quire-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signatureHeader(secret: string, timestampS: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${v1}`;
}

/** A fresh secret: 32 random bytes, `whsec_<base64url>`. */
export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

const aadFor = (webhookId: string): Buffer => Buffer.from(`quire:webhook-secret:${webhookId}`);

/**
 * The secret as stored: sealed with AES-256-GCM under the encryption key when one is set (bound
 * to the webhook id, so a sealed secret cannot be moved to another row), else as is — it is
 * needed in clear to sign, so it cannot be hashed like an API key.
 */
export function sealSecret(
  secret: string,
  webhookId: string,
  key: Buffer | undefined,
): { secret: string; secret_scheme: SecretScheme } {
  if (key === undefined) return { secret, secret_scheme: 'plain' };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aadFor(webhookId));
  const sealed = Buffer.concat([
    iv,
    cipher.update(secret, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return { secret: sealed.toString('base64url'), secret_scheme: 'aes-256-gcm' };
}

export function openSecret(webhook: WebhookRecord, key: Buffer | undefined): string {
  if (webhook.secret_scheme === 'plain') return webhook.secret;
  if (key === undefined) {
    throw new Error(
      `the secret of webhook ${webhook.id} is encrypted, but QUIRE_ENCRYPTION_KEY is not set`,
    );
  }
  const sealed = Buffer.from(webhook.secret, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(aadFor(webhook.id));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([
    decipher.update(sealed.subarray(12, sealed.length - 16)),
    decipher.final(),
  ]).toString('utf8');
}

/** A delivery as clients see it. */
export interface DeliveryView {
  id: string;
  webhook_id: string;
  job_id: string;
  event: EventType;
  status: DeliveryStatus;
  attempts: number;
  response_status?: number;
  error?: DeliveryError;
  created_at: string;
  delivered_at?: string;
  next_attempt_at?: string;
}

/**
 * The status a client sees: its job decides while the job is active (a dead job retried through
 * the jobs API makes its delivery pending again); a delivery whose job stopped without settling
 * it (cancelled through the jobs API) has failed.
 */
export function deliveryView(delivery: DeliveryWithJob): DeliveryView {
  const active = delivery.job_status === 'queued' || delivery.job_status === 'running';
  let status = delivery.status;
  let error = delivery.error;
  if (status !== 'delivered') {
    if (active) status = 'pending';
    else if (status === 'pending') {
      status = 'failed';
      error ??= { code: 'CANCELLED', message: 'The delivery job was stopped before it delivered' };
    }
  }
  const view: DeliveryView = {
    id: delivery.id,
    webhook_id: delivery.webhook_id,
    job_id: delivery.job_id,
    event: delivery.event,
    status,
    attempts: delivery.attempts,
    created_at: delivery.created_at,
  };
  if (delivery.response_status !== null) view.response_status = delivery.response_status;
  if (error !== null && status !== 'delivered') view.error = error;
  if (delivery.delivered_at !== null) view.delivered_at = delivery.delivered_at;
  if (status === 'pending' && delivery.job_status === 'queued' && delivery.job_next_attempt_at)
    view.next_attempt_at = delivery.job_next_attempt_at;
  return view;
}

export interface NewWebhook {
  url: string;
  events: EventType[];
  secret?: string;
}

export interface WebhookServiceOptions {
  uow: UnitOfWork;
  queue: JobQueue;
  tenants: TenantStore;
  audit: AuditLog;
  /** The fetcher's request-time SSRF check (scheme and literal addresses). */
  guard: { assertAllowed(url: string): void };
  /** QUIRE_ENCRYPTION_KEY: secrets are stored sealed with it when set. */
  encryptionKey?: Buffer;
  /** The webhook job runner's first retry delay (QUIRE_WEBHOOK_RETRY_BASE_MS). */
  retryBaseMs: number;
  /** How long failing deliveries keep being retried (QUIRE_WEBHOOK_RETRY_WINDOW_S). */
  retryWindowMs: number;
  /** An event could not be turned into deliveries (logged and counted by the caller). */
  onPublishError?: (error: unknown, event: DomainEvent) => void;
  /** Default: the system clock. */
  clock?: Clock;
}

/** What one delivery job needs to send its POST. */
export interface DeliveryTarget {
  delivery: DeliveryRecord;
  webhook: WebhookRecord;
  secret: string;
}

function isWebhookJobEvent(event: DomainEvent): boolean {
  const job = event.data.job;
  return typeof job === 'object' && job !== null && (job as { type?: unknown }).type === 'webhook';
}

export class WebhookService implements EventPublisher {
  private readonly clock: Clock;
  readonly maxAttempts: number;

  constructor(private readonly options: WebhookServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxAttempts = webhookMaxAttempts(options.retryBaseMs, options.retryWindowMs);
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Creates a subscription; the secret (given or generated) is in this answer only. */
  async create(
    tenantId: string,
    input: NewWebhook,
    by: Actor,
  ): Promise<{ webhook: WebhookRecord; secret: string }> {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw new AppError('VALIDATION_FAILED', '/body/url must be an absolute URL', {
        errors: [{ path: '/body/url', message: 'must be an absolute http or https URL' }],
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AppError('VALIDATION_FAILED', '/body/url must use http or https', {
        errors: [{ path: '/body/url', message: 'must use http or https' }],
      });
    }
    try {
      this.options.guard.assertAllowed(input.url);
    } catch (error) {
      if (error instanceof FetchError)
        throw new AppError('URL_NOT_ALLOWED', error.message, { cause: error });
      throw error;
    }
    const secret = input.secret ?? generateSecret();
    const id = newId('whk', this.clock.now());
    const webhook: WebhookRecord = {
      id,
      tenant_id: tenantId,
      url: input.url,
      events: [...new Set(input.events)],
      ...sealSecret(secret, id, this.options.encryptionKey),
      created_at: this.iso(),
    };
    await this.options.tenants.ensure({ id: tenantId, name: tenantId });
    await this.options.uow.run(async (stores) => {
      await stores.webhooks.lockTenant(tenantId);
      if ((await stores.webhooks.count(tenantId)) >= MAX_WEBHOOKS_PER_TENANT) {
        throw new AppError(
          'CONFLICT',
          `A tenant may have at most ${MAX_WEBHOOKS_PER_TENANT} webhooks; delete one first`,
        );
      }
      await stores.webhooks.insert(webhook);
    });
    await this.options.audit.record({
      tenant_id: tenantId,
      actor: by.actor,
      action: 'webhook.created',
      target_type: 'webhook',
      target_id: id,
      request_id: by.requestId,
      ip: by.ip,
      // The origin only: a webhook URL's path is often a credential of its own (chat services).
      details: { url_origin: url.origin, events: webhook.events },
    });
    return { webhook, secret };
  }

  async get(tenantId: string, id: string): Promise<WebhookRecord> {
    const webhook = await this.options.uow.stores.webhooks.get(tenantId, id);
    if (webhook === null) throw new AppError('NOT_FOUND', `No webhook ${id}`);
    return webhook;
  }

  list(tenantId: string, limit: number, after: string | null): Promise<Page<WebhookRecord>> {
    return this.options.uow.stores.webhooks.list(tenantId, limit, after);
  }

  /** Deletes the subscription and its deliveries; deliveries still queued settle unsent. */
  async delete(tenantId: string, id: string, by: Actor): Promise<void> {
    const deleted = await this.options.uow.run((stores) => stores.webhooks.delete(tenantId, id));
    if (deleted === null) throw new AppError('NOT_FOUND', `No webhook ${id}`);
    await this.options.audit.record({
      tenant_id: tenantId,
      actor: by.actor,
      action: 'webhook.deleted',
      target_type: 'webhook',
      target_id: id,
      request_id: by.requestId,
      ip: by.ip,
      details: { url_origin: new URL(deleted.url).origin, events: deleted.events },
    });
  }

  async deliveries(
    tenantId: string,
    webhookId: string,
    limit: number,
    after: string | null,
  ): Promise<Page<DeliveryView>> {
    await this.get(tenantId, webhookId); // 404 for another tenant's or a deleted webhook
    const page = await this.options.uow.stores.webhooks.listDeliveries(
      tenantId,
      webhookId,
      limit,
      after,
    );
    return { data: page.data.map(deliveryView), next_cursor: page.next_cursor };
  }

  /** EventPublisher: one delivery and one job per subscription. Never throws. */
  async publish(event: DomainEvent): Promise<void> {
    try {
      await this.fanOut(event);
    } catch (error) {
      this.options.onPublishError?.(error, event);
    }
  }

  private async fanOut(event: DomainEvent): Promise<void> {
    // A delivery job that dies must not announce itself to the webhooks that failed it: that
    // would queue a new delivery to the same dead receiver every 24 h, for ever.
    if (event.type === 'job.dead' && isWebhookJobEvent(event)) return;
    const { uow } = this.options;
    // Most events have no subscriber: no transaction for them.
    if ((await uow.stores.webhooks.subscribedTo(event.tenant_id, event.type)).length === 0) return;
    const at = this.iso();
    const jobs = await uow.run(async (stores) => {
      const webhooks = await stores.webhooks.subscribedTo(event.tenant_id, event.type);
      const created: JobRecord[] = [];
      for (const webhook of webhooks) {
        const deliveryId = newId('dlv', this.clock.now());
        const job = this.deliveryJob(event, webhook.id, deliveryId, at);
        await stores.jobs.insert(job);
        await stores.webhooks.insertDelivery({
          id: deliveryId,
          tenant_id: event.tenant_id,
          webhook_id: webhook.id,
          event: event.type,
          data: event.data,
          request_id: event.request_id,
          job_id: job.id,
          status: 'pending',
          attempts: 0,
          response_status: null,
          error: null,
          created_at: event.occurred_at,
          delivered_at: null,
          last_attempt_at: null,
        });
        created.push(job);
      }
      return created;
    });
    await this.options.queue.enqueue(jobs);
  }

  private deliveryJob(
    event: DomainEvent,
    webhookId: string,
    deliveryId: string,
    at: string,
  ): JobRecord {
    return {
      id: newId('job', this.clock.now()),
      tenant_id: event.tenant_id,
      // Not tied to the document: deleting it must not take its announcements with it.
      document_id: null,
      type: 'webhook',
      lane: 'small',
      status: 'queued',
      attempts: 0,
      max_attempts: this.maxAttempts,
      payload: { delivery_id: deliveryId, webhook_id: webhookId },
      progress: { done: 0, total: this.maxAttempts, unit: 'attempts' },
      error: null,
      request_id: event.request_id,
      next_attempt_at: at,
      created_at: at,
      started_at: null,
      finished_at: null,
    };
  }

  /** The delivery a job sends and where to; null when the delivery or its webhook is gone. */
  async deliveryTarget(job: JobRecord): Promise<DeliveryTarget | null> {
    const { delivery_id: deliveryId, webhook_id: webhookId } = job.payload;
    if (typeof deliveryId !== 'string' || typeof webhookId !== 'string') return null;
    const stores = this.options.uow.stores;
    const delivery = await stores.webhooks.getDelivery(job.tenant_id, deliveryId);
    if (delivery === null || delivery.status === 'delivered') return null;
    const webhook = await stores.webhooks.get(job.tenant_id, webhookId);
    if (webhook === null) return null;
    return { delivery, webhook, secret: openSecret(webhook, this.options.encryptionKey) };
  }

  /** The POST of one attempt: body, signature (timestamped now) and headers. */
  signedRequest(
    delivery: DeliveryRecord,
    secret: string,
  ): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify({
      id: delivery.id,
      type: delivery.event,
      created_at: delivery.created_at,
      data: delivery.data,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'quire-event': delivery.event,
      'quire-delivery': delivery.id,
      'quire-signature': signatureHeader(secret, Math.floor(this.clock.now() / 1000), body),
    };
    if (delivery.request_id !== null) headers['x-request-id'] = delivery.request_id;
    return { body, headers };
  }

  /** Records a failed attempt (the job runner decides whether another follows). */
  async recordFailure(
    delivery: DeliveryRecord,
    responseStatus: number | null,
    error: DeliveryError,
  ): Promise<void> {
    await this.options.uow.stores.webhooks.recordAttempt(delivery.tenant_id, delivery.id, {
      status: 'pending',
      response_status: responseStatus,
      error,
      at: this.iso(),
    });
  }

  /**
   * Records the delivery as delivered and completes its job, in one transaction; false when the
   * job was no longer this owner's (the delivery is recorded anyway: it did arrive).
   */
  async recordDelivered(
    job: JobRecord,
    owner: string,
    delivery: DeliveryRecord,
    responseStatus: number,
  ): Promise<boolean> {
    const at = this.iso();
    const completed = await this.options.uow.run(async (stores) => {
      await stores.webhooks.recordAttempt(delivery.tenant_id, delivery.id, {
        status: 'delivered',
        response_status: responseStatus,
        error: null,
        at,
      });
      return stores.jobs.complete(job.id, owner, at);
    });
    if (completed) await this.options.queue.completed(job.id, owner);
    return completed;
  }

  /** A job with nothing left to send (its webhook was deleted, or it was delivered already). */
  async settleUnsent(job: JobRecord, owner: string): Promise<void> {
    const at = this.iso();
    const completed = await this.options.uow.run((stores) =>
      stores.jobs.complete(job.id, owner, at),
    );
    if (completed) await this.options.queue.completed(job.id, owner);
  }

  /** The job failed for good (not retryable, or its retries ran out). */
  async markFailed(job: JobRecord, failure: JobFailure): Promise<void> {
    const deliveryId = job.payload.delivery_id;
    if (typeof deliveryId !== 'string') return;
    await this.options.uow.stores.webhooks.markFailed(job.tenant_id, deliveryId, {
      code: failure.code,
      message: failure.message,
    });
  }
}
