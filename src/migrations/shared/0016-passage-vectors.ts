import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Passage embeddings (issue 18, hybrid search): one vector per passage, written when the
 * document is indexed with a bi-encoder configured, as Float32 little-endian bytes (`blob` on
 * SQLite, `bytea` on PostgreSQL: no vector extension is assumed) with the model's name and
 * dimensions. It goes with its passage (cascade). Search reads a tenant's vectors of one model in
 * passage-id order, hence the index; the passage's document and navigation flag are copied here
 * so that read joins only `documents` (a join with `passages` per page made PostgreSQL hash all
 * of the tenant's passages for every page: quadratic).
 */
export const migration = (bytes: 'blob' | 'bytea'): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('passage_vectors')
      .addColumn('passage_id', 'text', (column) =>
        column.primaryKey().references('passages.id').onDelete('cascade'),
      )
      .addColumn('tenant_id', 'text', (column) => column.notNull())
      .addColumn('document_id', 'text', (column) => column.notNull())
      .addColumn('navigation', 'integer', (column) => column.notNull())
      .addColumn('model', 'text', (column) => column.notNull())
      .addColumn('dimensions', 'integer', (column) => column.notNull())
      .addColumn('vector', sql.raw(bytes), (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('passage_vectors_tenant_model')
      .on('passage_vectors')
      .columns(['tenant_id', 'model', 'passage_id'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('passage_vectors').execute();
  },
});
