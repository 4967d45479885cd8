/**
 * Webhook subscriptions and their deliveries. A delivery is written in the same transaction as
 * the `webhook` job that sends it, so an event either has its deliveries and their jobs or none.
 * Secrets are stored as the service hands them over (sealed when an encryption key is set); this
 * store never interprets them.
 */
import type { EventType } from './events.js';
import type { FailureCode } from './failures.js';
import type { JobStatus } from './job-store.js';
import type { Page } from './page.js';

/** How `secret` is stored: as is, or sealed with QUIRE_ENCRYPTION_KEY (AES-256-GCM). */
export type SecretScheme = 'plain' | 'aes-256-gcm';

export interface WebhookRecord {
  id: string;
  tenant_id: string;
  url: string;
  events: EventType[];
  secret: string;
  secret_scheme: SecretScheme;
  created_at: string;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryError {
  code: FailureCode;
  message: string;
}

export interface DeliveryRecord {
  id: string;
  tenant_id: string;
  webhook_id: string;
  event: EventType;
  /** The event's `data`, as it was when the event happened: every attempt sends the same body. */
  data: Record<string, unknown>;
  request_id: string | null;
  /** The `webhook` job that sends it. */
  job_id: string;
  status: DeliveryStatus;
  attempts: number;
  /** The receiver's status on the last attempt that got an answer. */
  response_status: number | null;
  /** Why the last attempt failed; null after a success. */
  error: DeliveryError | null;
  created_at: string;
  delivered_at: string | null;
  last_attempt_at: string | null;
}

/** A delivery with where its job stands (null when the job is gone), for listing. */
export interface DeliveryWithJob extends DeliveryRecord {
  job_status: JobStatus | null;
  job_next_attempt_at: string | null;
}

/** The outcome of one attempt. */
export interface DeliveryAttempt {
  status: DeliveryStatus;
  response_status: number | null;
  error: DeliveryError | null;
  at: string;
}

export interface WebhookStore {
  /**
   * Serialises webhook creation for one tenant until the surrounding transaction ends, so a
   * count-then-insert cannot race past the per-tenant limit (the tenant row must exist).
   */
  lockTenant(tenantId: string): Promise<void>;
  count(tenantId: string): Promise<number>;
  insert(webhook: WebhookRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<WebhookRecord | null>;
  /** Newest first, after the id `after`. */
  list(tenantId: string, limit: number, after: string | null): Promise<Page<WebhookRecord>>;
  /** The tenant's webhooks subscribed to `event`. */
  subscribedTo(tenantId: string, event: EventType): Promise<WebhookRecord[]>;
  /** Removes the webhook and its deliveries; the removed webhook, or null when there was none. */
  delete(tenantId: string, id: string): Promise<WebhookRecord | null>;

  insertDelivery(delivery: DeliveryRecord): Promise<void>;
  getDelivery(tenantId: string, id: string): Promise<DeliveryRecord | null>;
  /** One webhook's deliveries, newest first, after the id `after`. */
  listDeliveries(
    tenantId: string,
    webhookId: string,
    limit: number,
    after: string | null,
  ): Promise<Page<DeliveryWithJob>>;
  /**
   * Counts one attempt and records its outcome (`delivered_at` is set when it delivered); the
   * delivery as it is now, or null when it is gone or already delivered (a delivered delivery
   * never goes back to pending or failed).
   */
  recordAttempt(
    tenantId: string,
    id: string,
    attempt: DeliveryAttempt,
  ): Promise<DeliveryRecord | null>;
  /** Settles a delivery that will not be sent again (not counted as an attempt). */
  markFailed(tenantId: string, id: string, error: DeliveryError): Promise<void>;
}
