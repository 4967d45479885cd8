import type { Kysely, Migration } from 'kysely';
import type { TimeColumn } from './time-column.js';

/**
 * Documents, tags, blob references and jobs. One migration is one schema version, applied and
 * read as a whole: it stays one function however many tables it creates.
 */
export const migration = (time: TimeColumn): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('documents')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant_id', 'text', (column) => column.notNull().references('tenants.id'))
      .addColumn('title', 'text', (column) => column.notNull())
      .addColumn('title_key', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('media_type', 'text')
      .addColumn('size_bytes', 'bigint', (column) => column.notNull())
      .addColumn('sha256', 'text')
      .addColumn('filename', 'text')
      .addColumn('page_count', 'integer')
      .addColumn('tags', 'text', (column) => column.notNull())
      .addColumn('metadata', 'text', (column) => column.notNull())
      .addColumn('source_type', 'text', (column) => column.notNull())
      .addColumn('source_url', 'text')
      .addColumn('extracted', 'text', (column) => column.notNull())
      .addColumn('error', 'text')
      .addColumn('created_at', time, (column) => column.notNull())
      .addColumn('updated_at', time, (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('documents_tenant_id')
      .on('documents')
      .columns(['tenant_id', 'id'])
      .execute();
    await db.schema
      .createIndex('documents_tenant_sha')
      .on('documents')
      .columns(['tenant_id', 'sha256'])
      .execute();
    await db.schema
      .createIndex('documents_tenant_created')
      .on('documents')
      .columns(['tenant_id', 'created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('documents_tenant_title')
      .on('documents')
      .columns(['tenant_id', 'title_key', 'id'])
      .execute();
    await db.schema
      .createIndex('documents_tenant_size')
      .on('documents')
      .columns(['tenant_id', 'size_bytes', 'id'])
      .execute();

    await db.schema
      .createTable('document_tags')
      .addColumn('document_id', 'text', (column) =>
        column.notNull().references('documents.id').onDelete('cascade'),
      )
      .addColumn('tenant_id', 'text', (column) => column.notNull())
      .addColumn('tag', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('document_tags_pk', ['document_id', 'tag'])
      .execute();
    await db.schema
      .createIndex('document_tags_tenant_tag')
      .on('document_tags')
      .columns(['tenant_id', 'tag'])
      .execute();

    await db.schema
      .createTable('blob_refs')
      .addColumn('sha256', 'text', (column) => column.primaryKey())
      .addColumn('refs', 'integer', (column) => column.notNull())
      .execute();

    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant_id', 'text', (column) => column.notNull())
      .addColumn('document_id', 'text')
      .addColumn('type', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('attempts', 'integer', (column) => column.notNull())
      .addColumn('max_attempts', 'integer', (column) => column.notNull())
      .addColumn('payload', 'text', (column) => column.notNull())
      .addColumn('progress', 'text', (column) => column.notNull())
      .addColumn('error', 'text')
      .addColumn('request_id', 'text')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('next_attempt_at', time, (column) => column.notNull())
      .addColumn('created_at', time, (column) => column.notNull())
      .addColumn('started_at', time)
      .addColumn('finished_at', time)
      .execute();
    await db.schema
      .createIndex('jobs_ready')
      .on('jobs')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema.createIndex('jobs_tenant_id').on('jobs').columns(['tenant_id', 'id']).execute();
    await db.schema.createIndex('jobs_document').on('jobs').columns(['document_id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('jobs').execute();
    await db.schema.dropTable('blob_refs').execute();
    await db.schema.dropTable('document_tags').execute();
    await db.schema.dropTable('documents').execute();
  },
});
