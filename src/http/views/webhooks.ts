/** Webhooks and their deliveries as clients see them (the schemas check them on the way out). */
import type { Static } from 'typebox';
import type { EventType } from '../../ports/events.js';
import type {
  DeliveryError,
  DeliveryStatus,
  DeliveryWithJob,
  WebhookRecord,
} from '../../ports/webhook-store.js';
import type { WebhookView } from '../schemas/webhooks.js';

/** A webhook as clients see it: never its secret, never its tenant. */
export function webhookView(webhook: WebhookRecord): Static<typeof WebhookView> {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    created_at: webhook.created_at,
  };
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
