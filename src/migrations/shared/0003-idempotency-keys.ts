import { sql, type Kysely, type Migration } from 'kysely';
import type { TimeColumn } from './time-column.js';

export const migration = (time: TimeColumn): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('tenant_id', 'text', (column) => column.notNull())
      .addColumn('key', 'text', (column) => column.notNull())
      .addColumn('state', 'text', (column) => column.notNull())
      .addColumn('request_hash', 'text', (column) => column.notNull())
      .addColumn('response', 'text')
      .addColumn('created_at', time, (column) => column.notNull())
      .addColumn('expires_at', time, (column) => column.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pkey', ['tenant_id', 'key'])
      .addCheckConstraint('idempotency_keys_state', sql`state in ('in_progress', 'completed')`)
      .execute();
    await db.schema
      .createIndex('idempotency_keys_expires_at')
      .on('idempotency_keys')
      .column('expires_at')
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('idempotency_keys').execute();
  },
});
