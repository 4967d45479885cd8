import { sql, type Expression, type Insertable, type Selectable, type SqlBool } from 'kysely';
import type {
  BlobRefStore,
  DocumentCursor,
  DocumentRecord,
  DocumentSort,
  DocumentStore,
  DocumentStatus,
  Extracted,
} from '../../ports/document-store.js';
import { PLAINTEXT, places, type ContentCipher } from './content-cipher.js';
import type { Dialect, SqlExecutor } from './database.js';
import type { DocumentsTable } from './schema.js';

/**
 * `extracted` (the metadata the format declares: title, author, outline…) is sealed with the
 * cipher (sql/content-cipher.ts) and opened on read; a row written before a key was set is read
 * as it is and sealed the next time the document is written.
 */
function recordOf(row: Selectable<DocumentsTable>, cipher: ContentCipher): DocumentRecord {
  const extracted = cipher.open(
    row.extracted,
    Number(row.extracted_sealing),
    places.extracted(row.tenant_id, row.id),
  );
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    title: row.title,
    status: row.status as DocumentStatus,
    media_type: row.media_type,
    size_bytes: Number(row.size_bytes),
    sha256: row.sha256,
    filename: row.filename,
    page_count: row.page_count,
    tags: JSON.parse(row.tags) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    source:
      row.source_url === null
        ? { type: row.source_type as DocumentRecord['source']['type'] }
        : { type: row.source_type as DocumentRecord['source']['type'], url: row.source_url },
    extracted: JSON.parse(extracted) as Extracted,
    error: row.error === null ? null : (JSON.parse(row.error) as DocumentRecord['error']),
    parent_id: row.parent_id ?? null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function rowOf(document: DocumentRecord, cipher: ContentCipher): Insertable<DocumentsTable> {
  return {
    id: document.id,
    tenant_id: document.tenant_id,
    title: document.title,
    title_key: document.title.toLowerCase(),
    status: document.status,
    media_type: document.media_type,
    size_bytes: document.size_bytes,
    sha256: document.sha256,
    dedupe_sha256: null,
    filename: document.filename,
    page_count: document.page_count,
    tags: JSON.stringify(document.tags),
    metadata: JSON.stringify(document.metadata),
    source_type: document.source.type,
    source_url: document.source.url ?? null,
    extracted: cipher.seal(
      JSON.stringify(document.extracted),
      places.extracted(document.tenant_id, document.id),
    ),
    extracted_sealing: cipher.sealing,
    error: document.error === null ? null : JSON.stringify(document.error),
    parent_id: document.parent_id,
    created_at: document.created_at,
    updated_at: document.updated_at,
  };
}

type SortColumn = 'created_at' | 'title_key' | 'size_bytes';
const SORT_COLUMNS: Record<string, SortColumn> = {
  created_at: 'created_at',
  title: 'title_key',
  size: 'size_bytes',
};

/** The sort value of a document, as a cursor carries it. */
export function sortValue(document: DocumentRecord, sort: DocumentSort): string | number {
  const field = sort.replace(/^-/, '');
  if (field === 'title') return document.title.toLowerCase();
  if (field === 'size') return document.size_bytes;
  return document.created_at;
}

/**
 * A created_after / created_before bound in the form stored times have (toISOString's), for
 * SQLite, which compares the text: `…T10:00:01Z` or `…T12:00:01+02:00` would otherwise sort by
 * their characters, not their instant. Stored times carry milliseconds, so a lower bound drops
 * finer digits and an upper bound rounds them up, keeping the strict comparison exact. A bound
 * Date cannot read is left as given.
 */
function storedTimeBound(value: string, side: 'after' | 'before'): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return value;
  const finer = /\.\d{3}(\d+)/.exec(value)?.[1] ?? '';
  const roundUp = side === 'before' && /[1-9]/.test(finer);
  return new Date(roundUp ? ms + 1 : ms).toISOString();
}

/** Long because the port is wide: one short method per port operation, sharing the executor. */
export function createSqlDocumentStore(
  db: SqlExecutor,
  dialect: Dialect,
  cipher: ContentCipher = PLAINTEXT,
): DocumentStore {
  const toRecord = (row: Selectable<DocumentsTable>): DocumentRecord => recordOf(row, cipher);
  const toRow = (document: DocumentRecord): Insertable<DocumentsTable> => rowOf(document, cipher);
  // Byte order for titles in both dialects (PostgreSQL's default collation is locale-aware).
  const keyOf = (column: SortColumn): Expression<unknown> =>
    column === 'title_key' && dialect === 'postgres' ? sql`title_key collate "C"` : sql.ref(column);

  async function get(tenantId: string, id: string): Promise<DocumentRecord | null> {
    const row = await db
      .selectFrom('documents')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? null : toRecord(row);
  }

  /** The tenant's document holding this content first, else its oldest with it. */
  async function findBySha256(tenantId: string, sha256: string): Promise<DocumentRecord | null> {
    const row = await db
      .selectFrom('documents')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('sha256', '=', sha256)
      .orderBy(sql`dedupe_sha256 is null`)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? null : toRecord(row);
  }

  async function writeTags(document: DocumentRecord): Promise<void> {
    await db.deleteFrom('document_tags').where('document_id', '=', document.id).execute();
    if (document.tags.length > 0) {
      await db
        .insertInto('document_tags')
        .values(
          [...new Set(document.tags)].map((tag) => ({
            document_id: document.id,
            tenant_id: document.tenant_id,
            tag,
          })),
        )
        .execute();
    }
  }

  return {
    get,

    async insert(document) {
      await db.insertInto('documents').values(toRow(document)).execute();
      await writeTags(document);
    },

    findBySha256,

    async insertForContent(document) {
      // A holder found by the conflict may be deleted before it is read: then try again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const inserted = await db
          .insertInto('documents')
          .values({ ...toRow(document), dedupe_sha256: document.sha256 })
          .onConflict((conflict) => conflict.columns(['tenant_id', 'dedupe_sha256']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (inserted !== undefined) {
          await writeTags(document);
          return document;
        }
        const holder = await findBySha256(document.tenant_id, document.sha256);
        if (holder !== null) return holder;
      }
      throw new Error(`the document holding ${document.sha256} kept changing`);
    },

    async changeStatus(tenantId, id, from, to, at) {
      const changed = await db
        .updateTable('documents')
        .set({
          status: to.status,
          error: to.error === null ? null : JSON.stringify(to.error),
          updated_at: at,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', '=', from)
        .returning('id')
        .executeTakeFirst();
      return changed === undefined ? null : get(tenantId, id);
    },

    async list(tenantId, filter, sort, limit, after?: DocumentCursor) {
      const descending = sort.startsWith('-');
      const column = SORT_COLUMNS[sort.replace(/^-/, '')] as SortColumn;
      const key = keyOf(column);
      let query = db.selectFrom('documents').selectAll().where('tenant_id', '=', tenantId);
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      if (filter.media_type !== undefined)
        query = query.where('media_type', '=', filter.media_type);
      if (filter.parent_id !== undefined) query = query.where('parent_id', '=', filter.parent_id);
      // PostgreSQL compares timestamptz instants; SQLite compares text (see storedTimeBound).
      const bound = (value: string, side: 'after' | 'before'): string =>
        dialect === 'sqlite' ? storedTimeBound(value, side) : value;
      if (filter.created_after !== undefined)
        query = query.where('created_at', '>', bound(filter.created_after, 'after'));
      if (filter.created_before !== undefined)
        query = query.where('created_at', '<', bound(filter.created_before, 'before'));
      if (filter.q !== undefined && filter.q !== '') {
        const prefix = filter.q.toLowerCase();
        query = query.where((eb) =>
          eb.and([
            eb(keyOf('title_key'), '>=', prefix),
            eb(keyOf('title_key'), '<', `${prefix}\u{10FFFF}`),
          ]),
        );
      }
      const tags = [...new Set(filter.tags ?? [])];
      if (tags.length > 0) {
        query = query.where('id', 'in', (eb) =>
          eb
            .selectFrom('document_tags')
            .select('document_id')
            .where('tenant_id', '=', tenantId)
            .where('tag', 'in', tags)
            .groupBy('document_id')
            .having((h) => h.fn.countAll(), '=', tags.length),
        );
      }
      if (after !== undefined) {
        const op = descending ? '<' : '>';
        query = query.where(
          (eb) =>
            eb.or([
              eb(key, op, after.value),
              eb.and([eb(key, '=', after.value), eb('id', op, after.id)]),
            ]) as Expression<SqlBool>,
        );
      }
      const direction = descending ? 'desc' : 'asc';
      const rows = await query
        .orderBy(key, direction)
        .orderBy('id', direction)
        .limit(limit + 1)
        .execute();
      const data = rows.slice(0, limit).map(toRecord);
      const last = data[data.length - 1];
      return {
        data,
        next:
          rows.length > limit && last !== undefined
            ? { value: sortValue(last, sort), id: last.id }
            : null,
      };
    },

    async update(tenantId, id, patch, at) {
      const current = await get(tenantId, id);
      if (current === null) return null;
      const next: DocumentRecord = { ...current, ...patch, updated_at: at } as DocumentRecord;
      const row = toRow(next);
      await db
        .updateTable('documents')
        .set({
          title: row.title,
          title_key: row.title_key,
          tags: row.tags,
          metadata: row.metadata,
          status: row.status,
          media_type: row.media_type,
          size_bytes: row.size_bytes,
          sha256: row.sha256,
          page_count: row.page_count,
          extracted: row.extracted,
          extracted_sealing: row.extracted_sealing,
          error: row.error,
          updated_at: row.updated_at,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      if (patch.tags !== undefined) await writeTags(next);
      return next;
    },

    async delete(tenantId, id) {
      const current = await get(tenantId, id);
      if (current === null) return null;
      await db.deleteFrom('document_tags').where('document_id', '=', id).execute();
      await db
        .deleteFrom('documents')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      return current;
    },

    async countByStatus() {
      const rows = await db
        .selectFrom('documents')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
    },

    async countPages() {
      const row = await db
        .selectFrom('documents')
        .select((eb) => eb.fn.sum<number | string | null>('page_count').as('pages'))
        .where('status', '=', 'ready')
        .executeTakeFirst();
      return Number(row?.pages ?? 0);
    },
  };
}

export function createSqlBlobRefStore(db: SqlExecutor): BlobRefStore {
  async function current(sha256: string): Promise<number> {
    const row = await db
      .selectFrom('blob_refs')
      .select('refs')
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    return row === undefined ? 0 : Number(row.refs);
  }
  return {
    async increment(sha256) {
      await db
        .insertInto('blob_refs')
        .values({ sha256, refs: 1 })
        .onConflict((conflict) =>
          conflict.column('sha256').doUpdateSet((eb) => ({ refs: eb('blob_refs.refs', '+', 1) })),
        )
        .execute();
      return current(sha256);
    },
    async decrement(sha256) {
      await db
        .updateTable('blob_refs')
        .set((eb) => ({ refs: eb('refs', '-', 1) }))
        .where('sha256', '=', sha256)
        .execute();
      const refs = await current(sha256);
      if (refs <= 0) await db.deleteFrom('blob_refs').where('sha256', '=', sha256).execute();
      return Math.max(0, refs);
    },
  };
}
