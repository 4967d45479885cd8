/**
 * Webhook subscriptions: a tenant subscribes a URL (http or https, not refused by the SSRF guard)
 * to event types, at most MAX_WEBHOOKS_PER_TENANT of them; lists, deletes and reads the
 * deliveries of its own. Creating and deleting are audited (the URL's origin only).
 */
import { AppError } from '../../errors.js';
import { isoNow, systemClock, type Clock } from '../../ports/clock.js';
import type { EventType } from '../../ports/events.js';
import { FetchError } from '../../ports/fetcher.js';
import type { Page } from '../../ports/page.js';
import type { DeliveryWithJob, WebhookRecord } from '../../ports/webhook-store.js';
import { newId } from '../../shared/ids.js';
import type { Actor } from '../api-keys.js';
import type { WebhookServiceOptions } from './deps.js';
import { generateSecret, sealSecret } from './secrets.js';

export const MAX_WEBHOOKS_PER_TENANT = 20;

export interface NewWebhook {
  url: string;
  events: EventType[];
  secret?: string;
}

export class WebhookSubscriptions {
  private readonly clock: Clock;

  constructor(private readonly options: WebhookServiceOptions) {
    this.clock = options.clock ?? systemClock;
  }

  private iso(): string {
    return isoNow(this.clock);
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
  ): Promise<Page<DeliveryWithJob>> {
    await this.get(tenantId, webhookId); // 404 for another tenant's or a deleted webhook
    return this.options.uow.stores.webhooks.listDeliveries(tenantId, webhookId, limit, after);
  }
}
