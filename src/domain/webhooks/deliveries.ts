/**
 * Webhook deliveries: every event becomes one delivery per subscription, written with the
 * `webhook` job that sends it in one transaction (so an event is never half fanned out); the job
 * (src/jobs/handlers/webhook.ts) sends it as a signed POST through the SSRF-guarded fetcher and
 * records here how each attempt went. A failed attempt is retried by the job runner for at least
 * QUIRE_WEBHOOK_RETRY_WINDOW_S; an address the guard refuses fails the delivery at once.
 *
 * Publishing never throws into the caller (a document becoming ready must not fail because a
 * webhook could not be queued): failures are reported to `onPublishError` and dropped.
 */
import { isoNow, systemClock, type Clock } from '../../ports/clock.js';
import type { DomainEvent, EventPublisher } from '../../ports/events.js';
import { withTraceCarrier } from '../job-trace.js';
import type { JobFailure } from '../../ports/failures.js';
import type { JobRecord } from '../../ports/job-store.js';
import type { DeliveryError, DeliveryRecord, WebhookRecord } from '../../ports/webhook-store.js';
import { newId } from '../../shared/ids.js';
import type { WebhookServiceOptions } from './deps.js';
import { webhookMaxAttempts } from './retry-window.js';
import { openSecret } from './secrets.js';
import { signedRequest } from './signing.js';

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

export class WebhookDeliveries implements EventPublisher {
  private readonly clock: Clock;
  readonly maxAttempts: number;

  constructor(private readonly options: WebhookServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxAttempts = webhookMaxAttempts(options.retryBaseMs, options.retryWindowMs);
  }

  private iso(): string {
    return isoNow(this.clock);
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
    const id = newId('job', this.clock.now());
    return {
      id,
      tenant_id: event.tenant_id,
      // Not tied to the document: deleting it must not take its announcements with it.
      document_id: null,
      type: 'webhook',
      lane: 'small',
      status: 'queued',
      attempts: 0,
      max_attempts: this.maxAttempts,
      payload: withTraceCarrier({ delivery_id: deliveryId, webhook_id: webhookId }, id, 'webhook'),
      progress: { done: 0, total: this.maxAttempts, unit: 'attempts' },
      error: null,
      request_id: event.request_id,
      workers: [],
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
    return signedRequest(delivery, secret, this.clock.now());
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
