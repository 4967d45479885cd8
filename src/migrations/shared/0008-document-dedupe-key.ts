import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Content dedupe held by the database: `dedupe_sha256` is set on the one document per tenant that
 * answers for its content (null on the others: `?dedupe=false` copies, URL documents), and a
 * unique index on (tenant_id, dedupe_sha256) lets only one of several concurrent uploads of the
 * same bytes create it (NULLs never collide, in SQLite and PostgreSQL alike). Existing data: the
 * oldest document of each tenant's content takes the key, so duplicates already stored (made
 * before this guard) stay, and new uploads dedupe to that one.
 */
export const migration = (): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('documents').addColumn('dedupe_sha256', 'text').execute();
    await sql`
      update documents set dedupe_sha256 = sha256
      where sha256 is not null
        and id = (select min(d.id) from documents d
                  where d.tenant_id = documents.tenant_id and d.sha256 = documents.sha256)
    `.execute(db);
    await db.schema
      .createIndex('documents_tenant_dedupe')
      .on('documents')
      .columns(['tenant_id', 'dedupe_sha256'])
      .unique()
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('documents_tenant_dedupe').execute();
    await db.schema.alterTable('documents').dropColumn('dedupe_sha256').execute();
  },
});
