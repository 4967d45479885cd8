/**
 * The ContentStore on SQL. Page text, Markdown and passages are sealed with the policy's cipher
 * (sql/content-cipher.ts: AES-256-GCM when QUIRE_ENCRYPTION_KEY is set, as is otherwise) and
 * opened on read, so callers only ever see plaintext. The full-text index is written here, from
 * the plaintext in hand, when the policy says search is on (migration 0009): its terms are then
 * plaintext in the database even when the rows are sealed; with search off none is written.
 */
import { sql } from 'kysely';
import type { ContentStore, PageRecord, StagedPages } from '../../ports/content-store.js';
import { PLAINTEXT_SEARCHABLE, places, type ContentPolicy } from './content-cipher.js';
import type { Dialect, SqlExecutor } from './database.js';
import { fieldsTsvector } from '../postgres/search-index.js';
import { indexSqlitePassages, unindexSqlitePassages } from '../sqlite/search-index.js';
import { fieldTexts } from './query-plan.js';

/** Rows per INSERT: well under SQLite's bound-parameter limit (32,766) for 8 columns. */
const BATCH = 500;

function* batches<T>(items: T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += BATCH) yield items.slice(start, start + BATCH);
}

export function createSqlContentStore(
  db: SqlExecutor,
  dialect: Dialect,
  policy: ContentPolicy = PLAINTEXT_SEARCHABLE,
): ContentStore {
  const { cipher } = policy;

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

  async function discardStaged(tenantId: string, documentId: string, stage?: string) {
    let query = db
      .deleteFrom('staged_pages')
      .where('tenant_id', '=', tenantId)
      .where('document_id', '=', documentId);
    if (stage !== undefined) query = query.where('stage', '=', stage);
    await query.execute();
  }

  /**
   * Page rows as stored: text and Markdown sealed under the page's place; a Markdown that is the
   * text (plain text, OCR, most PDF pages) is not stored again (migration 0018).
   */
  function pageRows(tenantId: string, documentId: string, pages: PageRecord[]) {
    return pages.map((page) => ({
      number: page.number,
      text: cipher.seal(page.text, places.pageText(tenantId, documentId, page.number)),
      ...(page.markdown === page.text
        ? { markdown: '', markdown_is_text: 1 }
        : {
            markdown: cipher.seal(
              page.markdown,
              places.pageMarkdown(tenantId, documentId, page.number),
            ),
            markdown_is_text: 0,
          }),
      sealing: cipher.sealing,
      tenant_id: tenantId,
      document_id: documentId,
    }));
  }

  /** Moves the staged pages the document takes (sealed as they are: same place, same seal). */
  async function takeStaged(tenantId: string, documentId: string, staged: StagedPages) {
    const columns = [
      'document_id',
      'tenant_id',
      'number',
      'text',
      'markdown',
      'markdown_is_text',
      'sealing',
    ] as const;
    let moved = 0;
    for (const batch of batches(staged.numbers)) {
      const result = await db
        .insertInto('document_pages')
        .columns([...columns])
        .expression(
          db
            .selectFrom('staged_pages')
            .select([...columns])
            .where('tenant_id', '=', tenantId)
            .where('document_id', '=', documentId)
            .where('stage', '=', staged.stage)
            .where('number', 'in', batch),
        )
        .executeTakeFirst();
      moved += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    // A page the caller counted on and the stage lacks: the document would be short of it.
    if (moved !== staged.numbers.length)
      throw new Error(`${staged.numbers.length - moved} staged pages missing from ${staged.stage}`);
    await discardStaged(tenantId, documentId, staged.stage);
  }

  const store: ContentStore = {
    async replace(tenantId, documentId, pages, passages, title = '', staged) {
      await deleteAll(tenantId, documentId);
      if (staged !== undefined) await takeStaged(tenantId, documentId, staged);
      for (const batch of batches(pages)) {
        await db
          .insertInto('document_pages')
          .values(pageRows(tenantId, documentId, batch))
          .execute();
      }
      for (const batch of batches(passages)) {
        await db
          .insertInto('passages')
          .values(
            batch.map(({ start, end, heading_path, navigation, ...passage }) => ({
              ...passage,
              page_end: Math.max(passage.page, passage.page_end),
              char_start: start,
              char_end: end,
              heading_path: JSON.stringify(heading_path),
              navigation: navigation ? 1 : 0,
              scheme: policy.scheme,
              text: cipher.seal(
                passage.text,
                places.passage(passage.tenant_id, passage.document_id, passage.id),
              ),
              sealing: cipher.sealing,
              ...(dialect === 'postgres' && policy.searchIndex
                ? {
                    search: fieldsTsvector(
                      fieldTexts(policy.analyzer, title, { text: passage.text, heading_path }),
                    ),
                  }
                : {}),
            })),
          )
          .execute();
        if (dialect === 'sqlite' && policy.searchIndex)
          await indexSqlitePassages(
            db,
            batch.map((passage) => ({
              id: passage.id,
              ...fieldTexts(policy.analyzer, title, passage),
            })),
          );
      }
    },

    async retitle(tenantId, documentId, title) {
      if (!policy.searchIndex) return;
      const passages = await store.passages(tenantId, documentId);
      if (dialect === 'sqlite') {
        await unindexSqlitePassages(
          db,
          passages.map((passage) => passage.id),
        );
        await indexSqlitePassages(
          db,
          passages.map((passage) => ({
            id: passage.id,
            ...fieldTexts(policy.analyzer, title, passage),
          })),
        );
        return;
      }
      for (const passage of passages) {
        const search = fieldsTsvector(fieldTexts(policy.analyzer, title, passage));
        await sql`update passages set search = ${search}
          where tenant_id = ${tenantId} and id = ${passage.id}`.execute(db);
      }
    },

    async pages(tenantId, documentId, afterNumber, limit, numbers) {
      let query = db
        .selectFrom('document_pages')
        .select(['number', 'text', 'markdown', 'markdown_is_text', 'sealing'])
        .where('tenant_id', '=', tenantId)
        .where('document_id', '=', documentId)
        .where('number', '>', afterNumber);
      if (numbers !== undefined) {
        if (numbers.length === 0) return [];
        query = query.where('number', 'in', numbers);
      }
      const rows = await query.orderBy('number').limit(limit).execute();
      return rows.map((row) => {
        const number = Number(row.number);
        const sealing = Number(row.sealing);
        const text = cipher.open(row.text, sealing, places.pageText(tenantId, documentId, number));
        const markdown =
          Number(row.markdown_is_text) === 1
            ? text
            : cipher.open(row.markdown, sealing, places.pageMarkdown(tenantId, documentId, number));
        return { number, text, markdown };
      });
    },

    async passages(tenantId, documentId) {
      // The columns of a PassageRecord, not selectAll(): PostgreSQL's passages also carry the
      // `search` tsvector (migration 0007), which is no part of the record.
      const rows = await db
        .selectFrom('passages')
        .select(['id', 'document_id', 'tenant_id', 'page', 'ordinal', 'text', 'word_count'])
        .select(['page_end', 'char_start', 'char_end', 'heading_path', 'navigation', 'sealing'])
        .where('tenant_id', '=', tenantId)
        .where('document_id', '=', documentId)
        .orderBy('ordinal')
        .execute();
      return rows.map(({ sealing, char_start, char_end, heading_path, navigation, ...row }) => ({
        ...row,
        page_end: Number(row.page_end),
        start: Number(char_start),
        end: Number(char_end),
        heading_path: JSON.parse(heading_path) as string[],
        navigation: Number(navigation) === 1,
        text: cipher.open(
          row.text,
          Number(sealing),
          places.passage(row.tenant_id, row.document_id, row.id),
        ),
        page: Number(row.page),
        ordinal: Number(row.ordinal),
        word_count: Number(row.word_count),
      }));
    },

    async stagePages(tenantId, documentId, stage, pages) {
      for (const batch of batches(pages)) {
        await db
          .insertInto('staged_pages')
          .values(pageRows(tenantId, documentId, batch).map((row) => ({ ...row, stage })))
          .onConflict((conflict) =>
            conflict.columns(['document_id', 'stage', 'number']).doUpdateSet((row) => ({
              text: row.ref('excluded.text'),
              markdown: row.ref('excluded.markdown'),
              markdown_is_text: row.ref('excluded.markdown_is_text'),
              sealing: row.ref('excluded.sealing'),
            })),
          )
          .execute();
      }
    },

    discardStaged,

    async stagedPageCount(tenantId, documentId) {
      const row = await db
        .selectFrom('staged_pages')
        .select((count) => count.fn.countAll<number | string | bigint>().as('staged'))
        .where('tenant_id', '=', tenantId)
        .where('document_id', '=', documentId)
        .executeTakeFirstOrThrow();
      return Number(row.staged);
    },

    async deleteForDocument(tenantId, documentId) {
      await deleteAll(tenantId, documentId);
      await discardStaged(tenantId, documentId);
    },

    async staleDocuments(limit) {
      const rows = await db
        .selectFrom('passages as p')
        .innerJoin('documents as d', 'd.id', 'p.document_id')
        .select(['p.tenant_id', 'p.document_id'])
        .where('p.scheme', '<>', policy.scheme)
        .where('d.status', '=', 'ready')
        .groupBy(['p.tenant_id', 'p.document_id'])
        .orderBy('p.document_id')
        .limit(limit)
        .execute();
      return rows;
    },
  };
  return store;
}
