import type { Kysely, Migration } from 'kysely';

/**
 * Pages staged by an extraction attempt while its other pages are still being read (issue 13):
 * written as each chunk of a split PDF finishes, moved into `document_pages` by the transaction
 * that completes the job, dropped when the attempt ends otherwise. `/content` never reads them,
 * so a reader sees the old set or none until then. `stage` names the attempt (job id and
 * attempt number): a retry stages apart from a stale attempt still running. They go with their
 * document (cascade); `sealing` as in `document_pages` (migration 0009), moved as sealed.
 */
export const migration = (): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('staged_pages')
      .addColumn('document_id', 'text', (column) =>
        column.notNull().references('documents.id').onDelete('cascade'),
      )
      .addColumn('stage', 'text', (column) => column.notNull())
      .addColumn('tenant_id', 'text', (column) => column.notNull())
      .addColumn('number', 'integer', (column) => column.notNull())
      .addColumn('text', 'text', (column) => column.notNull())
      .addColumn('markdown', 'text', (column) => column.notNull())
      .addColumn('sealing', 'integer', (column) => column.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('staged_pages_pk', ['document_id', 'stage', 'number'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('staged_pages').execute();
  },
});
