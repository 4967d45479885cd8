import type { Kysely, Migration } from 'kysely';

/**
 * A document made from another one's part (an e-mail's attachment, `attachments=extract`) names
 * it in `parent_id`; null on every other document, and on all documents made before this. The
 * index serves `GET /v1/documents?parent_id=` and the deletion of a parent's children.
 */
export const migration = (): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('documents').addColumn('parent_id', 'text').execute();
    await db.schema
      .createIndex('documents_tenant_parent')
      .on('documents')
      .columns(['tenant_id', 'parent_id'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('documents_tenant_parent').execute();
    await db.schema.alterTable('documents').dropColumn('parent_id').execute();
  },
});
