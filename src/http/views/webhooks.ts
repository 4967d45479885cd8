/** A webhook record as clients see it (the WebhookView schema checks it on the way out). */
import type { Static } from 'typebox';
import type { WebhookRecord } from '../../ports/webhook-store.js';
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
