import { sql, type Kysely, type Migration } from 'kysely';
import type { TimeColumn } from './time-column.js';

/**
 * One row about the deployment itself: the SHA-256 of the sentinel blob written through the
 * BlobStore at its first start, which readiness reads back to tell a mis-mounted volume or a
 * wrong bucket from the store this deployment writes to. The check keeps it to one row.
 */
export const migration = (time: TimeColumn): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('deployment')
      .addColumn('id', 'integer', (column) => column.primaryKey())
      .addColumn('blob_sentinel_sha256', 'text', (column) => column.notNull())
      .addColumn('created_at', time, (column) => column.notNull())
      .addCheckConstraint('deployment_one_row', sql`id = 1`)
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('deployment').execute();
  },
});
