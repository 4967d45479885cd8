/**
 * Webhooks: subscriptions (what the API manages) and deliveries (what events and the `webhook`
 * job write), built from one set of dependencies.
 */
import { WebhookDeliveries } from './deliveries.js';
import type { WebhookServiceOptions } from './deps.js';
import { WebhookSubscriptions } from './subscriptions.js';

export interface WebhookServices {
  subscriptions: WebhookSubscriptions;
  /** Also the event publisher documents and jobs announce to. */
  deliveries: WebhookDeliveries;
}

export function createWebhookServices(options: WebhookServiceOptions): WebhookServices {
  return {
    subscriptions: new WebhookSubscriptions(options),
    deliveries: new WebhookDeliveries(options),
  };
}
