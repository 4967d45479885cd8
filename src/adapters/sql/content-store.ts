import type { ContentStore } from '../../ports/content-store.js';
import type { SqlExecutor } from './database.js';

/** Rows per INSERT: well under SQLite's bound-parameter limit (32,766) for 7 columns. */
const BATCH = 500;

function* batches<T>(items: T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += BATCH) yield items.slice(start, start + BATCH);
}

export function createSqlContentStore(db: SqlExecutor): ContentStore {
  async function deleteAll(tenantId: string, documentId: string): Promise<void> {
    await db
      .deleteFrom('passages')
      .where('tenant_id', '=', tenantId)
      .where('document_id', '=', documentId)
      .execute();
    await db
      .deleteFrom('document_pages')
      .where('tenant_id', '=', tenantId)
      .where('document_id', '=', documentId)
      .execute();
  }

  return {
    async replace(tenantId, documentId, pages, passages) {
      await deleteAll(tenantId, documentId);
      for (const batch of batches(pages)) {
        await db
          .insertInto('document_pages')
          .values(batch.map((page) => ({ ...page, tenant_id: tenantId, document_id: documentId })))
          .execute();
      }
      for (const batch of batches(passages)) {
        await db.insertInto('passages').values(batch).execute();
      }
    },

    async pages(tenantId, documentId, afterNumber, limit, numbers) {
      let query = db
        .selectFrom('document_pages')
        .select(['number', 'text', 'markdown'])
        .where('tenant_id', '=', tenantId)
        .where('document_id', '=', documentId)
        .where('number', '>', afterNumber);
      if (numbers !== undefined) {
        if (numbers.length === 0) return [];
        query = query.where('number', 'in', numbers);
      }
      const rows = await query.orderBy('number').limit(limit).execute();
      return rows.map((row) => ({ ...row, number: Number(row.number) }));
    },

    async passages(tenantId, documentId) {
      // The columns of a PassageRecord, not selectAll(): PostgreSQL's passages also carry the
      // generated `search` tsvector (migration 0007), which is no part of the record.
      const rows = await db
        .selectFrom('passages')
        .select(['id', 'document_id', 'tenant_id', 'page', 'ordinal', 'text', 'word_count'])
        .where('tenant_id', '=', tenantId)
        .where('document_id', '=', documentId)
        .orderBy('ordinal')
        .execute();
      return rows.map((row) => ({
        ...row,
        page: Number(row.page),
        ordinal: Number(row.ordinal),
        word_count: Number(row.word_count),
      }));
    },

    deleteForDocument: deleteAll,
  };
}
