/**
 * The WebhookStore over Kysely, for both dialects. Lists are keyset-paginated by id (ids sort by
 * creation time); a tenant has few webhooks (the service caps them), so matching an event type is
 * done on the tenant's rows in memory rather than with dialect-specific JSON operators.
 */
import type { EventType } from '../../ports/events.js';
import type { JobStatus } from '../../ports/job-store.js';
import type {
  DeliveryError,
  DeliveryRecord,
  DeliveryStatus,
  DeliveryWithJob,
  SecretScheme,
  WebhookRecord,
  WebhookStore,
} from '../../ports/webhook-store.js';
import type { Selectable } from 'kysely';
import { PLAINTEXT, places, type ContentCipher } from './content-cipher.js';
import type { Dialect, SqlExecutor } from './database.js';
import { pageOf } from './paging.js';
import type { WebhookDeliveriesTable, WebhooksTable } from './schema.js';

function toWebhook(row: WebhooksTable): WebhookRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    url: row.url,
    events: JSON.parse(row.events) as EventType[],
    secret: row.secret,
    secret_scheme: row.secret_scheme as SecretScheme,
    created_at: row.created_at,
  };
}

/** A delivery's event data (a document's extracted metadata among it) is opened with the cipher. */
function toDelivery(
  row: Selectable<WebhookDeliveriesTable>,
  cipher: ContentCipher,
): DeliveryRecord {
  const data = cipher.open(
    row.data,
    Number(row.data_sealing),
    places.deliveryData(row.tenant_id, row.id),
  );
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    webhook_id: row.webhook_id,
    event: row.event as EventType,
    data: JSON.parse(data) as Record<string, unknown>,
    request_id: row.request_id,
    job_id: row.job_id,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    response_status: row.response_status === null ? null : Number(row.response_status),
    error: row.error === null ? null : (JSON.parse(row.error) as DeliveryError),
    created_at: row.created_at,
    delivered_at: row.delivered_at,
    last_attempt_at: row.last_attempt_at,
  };
}

/** Long because the port is wide: one short method per port operation, sharing the executor. */
/** `cipher` seals each delivery's event data at rest (webhook secrets are sealed by the service). */
export function createSqlWebhookStore(
  db: SqlExecutor,
  dialect: Dialect,
  cipher: ContentCipher = PLAINTEXT,
): WebhookStore {
  async function getDelivery(tenantId: string, id: string): Promise<DeliveryRecord | null> {
    const row = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? null : toDelivery(row, cipher);
  }

  return {
    async lockTenant(tenantId) {
      // SQLite runs one write transaction at a time already; PostgreSQL locks the tenant's row.
      if (dialect !== 'postgres') return;
      await db.selectFrom('tenants').select('id').where('id', '=', tenantId).forUpdate().execute();
    },

    async count(tenantId) {
      const row = await db
        .selectFrom('webhooks')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      return Number(row?.count ?? 0);
    },

    async insert(webhook) {
      await db
        .insertInto('webhooks')
        .values({ ...webhook, events: JSON.stringify(webhook.events) })
        .execute();
    },

    async get(tenantId, id) {
      const row = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? null : toWebhook(row);
    },

    async list(tenantId, limit, after) {
      let query = db
        .selectFrom('webhooks')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (after !== null) query = query.where('id', '<', after);
      return pageOf((await query.execute()).map(toWebhook), limit);
    },

    async subscribedTo(tenantId, event) {
      const rows = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id')
        .execute();
      return rows.map(toWebhook).filter((webhook) => webhook.events.includes(event));
    },

    async delete(tenantId, id) {
      const row = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (row === undefined) return null;
      await db.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
      await db.deleteFrom('webhooks').where('id', '=', id).execute();
      return toWebhook(row);
    },

    async insertDelivery(delivery) {
      await db
        .insertInto('webhook_deliveries')
        .values({
          ...delivery,
          data: cipher.seal(
            JSON.stringify(delivery.data),
            places.deliveryData(delivery.tenant_id, delivery.id),
          ),
          data_sealing: cipher.sealing,
          error: delivery.error === null ? null : JSON.stringify(delivery.error),
        })
        .execute();
    },

    getDelivery,

    async listDeliveries(tenantId, webhookId, limit, after) {
      let query = db
        .selectFrom('webhook_deliveries as d')
        .leftJoin('jobs as j', 'j.id', 'd.job_id')
        .selectAll('d')
        .select(['j.status as job_status', 'j.next_attempt_at as job_next_attempt_at'])
        .where('d.tenant_id', '=', tenantId)
        .where('d.webhook_id', '=', webhookId)
        .orderBy('d.id', 'desc')
        .limit(limit + 1);
      if (after !== null) query = query.where('d.id', '<', after);
      const rows = await query.execute();
      const deliveries: DeliveryWithJob[] = rows.map(
        ({ job_status, job_next_attempt_at, ...row }) => ({
          ...toDelivery(row, cipher),
          job_status: (job_status ?? null) as JobStatus | null,
          job_next_attempt_at: job_next_attempt_at ?? null,
        }),
      );
      return pageOf(deliveries, limit);
    },

    async recordAttempt(tenantId, id, attempt) {
      const result = await db
        .updateTable('webhook_deliveries')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          status: attempt.status,
          response_status: attempt.response_status,
          error: attempt.error === null ? null : JSON.stringify(attempt.error),
          last_attempt_at: attempt.at,
          ...(attempt.status === 'delivered' ? { delivered_at: attempt.at } : {}),
        }))
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        // A delivery that got through stays delivered, whatever a late duplicate attempt saw.
        .$if(attempt.status !== 'delivered', (query) => query.where('status', '!=', 'delivered'))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return null;
      return getDelivery(tenantId, id);
    },

    async markFailed(tenantId, id, error) {
      await db
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', error: JSON.stringify(error) })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', '!=', 'delivered')
        .execute();
    },
  };
}
