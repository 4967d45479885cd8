/**
 * The PassageVectorStore on SQL (migration 0016), the same statements on SQLite and PostgreSQL.
 * With search off (QUIRE_SEARCH_INDEX=off) nothing is stored: an embedding says what its
 * passage is about, which that setting promises not to keep.
 */
import { sql } from 'kysely';
import type { PassageVectorStore } from '../../ports/passage-vectors.js';
import { PLAINTEXT_SEARCHABLE, type ContentPolicy } from './content-cipher.js';
import { withTransaction, type SqlDatabase } from './database.js';
import { vectorBytes } from './vector-bytes.js';

/** Vectors per statement (five bound parameters each). */
const BATCH = 200;

const DISABLED: PassageVectorStore = {
  write: () => Promise.resolve(0),
  missing: () => Promise.resolve([]),
  documentsMissing: () => Promise.resolve([]),
};

export function createSqlPassageVectorStore(
  database: SqlDatabase,
  policy: ContentPolicy = PLAINTEXT_SEARCHABLE,
): PassageVectorStore {
  if (!policy.searchIndex) return DISABLED;
  return {
    async write(tenantId, model, vectors) {
      let stored = 0;
      for (let start = 0; start < vectors.length; start += BATCH) {
        const batch = vectors.slice(start, start + BATCH);
        stored += await withTransaction(database, async (trx) => {
          const ids = batch.map((entry) => entry.passage_id);
          // Passages re-cut or deleted since they were embedded are skipped (no orphan vector).
          const existing = new Map(
            (
              await trx
                .selectFrom('passages')
                .select(['id', 'document_id', 'navigation'])
                .where('tenant_id', '=', tenantId)
                .where('id', 'in', ids)
                .execute()
            ).map((row) => [row.id, row]),
          );
          const rows = batch.flatMap((entry) => {
            const passage = existing.get(entry.passage_id);
            if (passage === undefined) return [];
            return [
              {
                passage_id: entry.passage_id,
                tenant_id: tenantId,
                document_id: passage.document_id,
                navigation: Number(passage.navigation),
                model,
                dimensions: entry.vector.length,
                vector: vectorBytes(entry.vector),
              },
            ];
          });
          if (rows.length === 0) return 0;
          await trx
            .deleteFrom('passage_vectors')
            .where(
              'passage_id',
              'in',
              rows.map((row) => row.passage_id),
            )
            .execute();
          await trx.insertInto('passage_vectors').values(rows).execute();
          return rows.length;
        });
      }
      return stored;
    },

    async missing(tenantId, documentId, model) {
      const { rows } = await sql<{ id: string }>`
        select p.id from passages p
        left join passage_vectors v on v.passage_id = p.id and v.model = ${model}
        where p.tenant_id = ${tenantId} and p.document_id = ${documentId} and v.passage_id is null
        order by p.ordinal, p.id`.execute(database.db);
      return rows.map((row) => row.id);
    },

    async documentsMissing(model, limit) {
      const { rows } = await sql<{ tenant_id: string; document_id: string }>`
        select distinct p.tenant_id, p.document_id from passages p
        join documents d on d.id = p.document_id and d.status = 'ready'
        left join passage_vectors v on v.passage_id = p.id and v.model = ${model}
        where v.passage_id is null
        order by p.document_id
        limit ${limit}`.execute(database.db);
      return rows;
    },
  };
}
