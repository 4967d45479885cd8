import type { Kysely, Migration } from 'kysely';
import type { TimeColumn } from './time-column.js';

/**
 * Webhook subscriptions per tenant and one row per delivery of an event to a subscription: what
 * is sent (the event's data, frozen when it happened), the job that sends it, and how its
 * attempts went. Deliveries go with their webhook.
 */
export const migration = (time: TimeColumn): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant_id', 'text', (column) => column.notNull().references('tenants.id'))
      .addColumn('url', 'text', (column) => column.notNull())
      .addColumn('events', 'text', (column) => column.notNull())
      .addColumn('secret', 'text', (column) => column.notNull())
      .addColumn('secret_scheme', 'text', (column) => column.notNull())
      .addColumn('created_at', time, (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('webhooks_tenant_id')
      .on('webhooks')
      .columns(['tenant_id', 'id'])
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant_id', 'text', (column) => column.notNull())
      .addColumn('webhook_id', 'text', (column) =>
        column.notNull().references('webhooks.id').onDelete('cascade'),
      )
      .addColumn('event', 'text', (column) => column.notNull())
      .addColumn('data', 'text', (column) => column.notNull())
      .addColumn('request_id', 'text')
      .addColumn('job_id', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('attempts', 'integer', (column) => column.notNull())
      .addColumn('response_status', 'integer')
      .addColumn('error', 'text')
      .addColumn('created_at', time, (column) => column.notNull())
      .addColumn('delivered_at', time)
      .addColumn('last_attempt_at', time)
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_webhook_id')
      .on('webhook_deliveries')
      .columns(['webhook_id', 'id'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('webhook_deliveries').execute();
    await db.schema.dropTable('webhooks').execute();
  },
});
