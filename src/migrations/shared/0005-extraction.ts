import type { Kysely, Migration } from 'kysely';

/**
 * What extraction produces and what the queue needs to schedule it: the lane of a job (small
 * documents never wait behind large ones), the extracted pages (served by /content) and the
 * passages (what search indexes), both replaced as a whole when an extraction completes.
 */
export const migration = (): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('jobs')
      .addColumn('lane', 'text', (column) => column.notNull().defaultTo('small'))
      .execute();

    await db.schema
      .createTable('document_pages')
      .addColumn('document_id', 'text', (column) =>
        column.notNull().references('documents.id').onDelete('cascade'),
      )
      .addColumn('tenant_id', 'text', (column) => column.notNull())
      .addColumn('number', 'integer', (column) => column.notNull())
      .addColumn('text', 'text', (column) => column.notNull())
      .addColumn('markdown', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('document_pages_pk', ['document_id', 'number'])
      .execute();

    await db.schema
      .createTable('passages')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('document_id', 'text', (column) =>
        column.notNull().references('documents.id').onDelete('cascade'),
      )
      .addColumn('tenant_id', 'text', (column) => column.notNull())
      .addColumn('page', 'integer', (column) => column.notNull())
      .addColumn('ordinal', 'integer', (column) => column.notNull())
      .addColumn('text', 'text', (column) => column.notNull())
      .addColumn('word_count', 'integer', (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('passages_document')
      .on('passages')
      .columns(['document_id', 'ordinal'])
      .execute();
    await db.schema.createIndex('passages_tenant').on('passages').columns(['tenant_id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('passages').execute();
    await db.schema.dropTable('document_pages').execute();
    await db.schema.alterTable('jobs').dropColumn('lane').execute();
  },
});
