/** Reading documents: one by id, a filtered page of them, and a ready one's extracted pages. */
import { AppError } from '../../errors.js';
import type { PageRecord } from '../../ports/content-store.js';
import type {
  DocumentCursor,
  DocumentFilter,
  DocumentPage,
  DocumentRecord,
  DocumentSort,
} from '../../ports/document-store.js';
import type { DocumentDeps } from './deps.js';
import { findDocument } from './lookup.js';

/** Pages read per query when content is streamed. */
export const CONTENT_PAGE_BATCH = 50;

export type QueryDeps = Pick<DocumentDeps, 'uow'>;

export class DocumentQueries {
  constructor(private readonly deps: QueryDeps) {}

  get(tenantId: string, id: string): Promise<DocumentRecord> {
    return findDocument(this.deps.uow.stores.documents, tenantId, id);
  }

  list(
    tenantId: string,
    filter: DocumentFilter,
    sort: DocumentSort,
    limit: number,
    after?: DocumentCursor,
  ): Promise<DocumentPage> {
    return this.deps.uow.stores.documents.list(tenantId, filter, sort, limit, after);
  }

  /** A ready document, for its content (409 while it is not ready). */
  async readyDocument(tenantId: string, id: string): Promise<DocumentRecord> {
    const document = await this.get(tenantId, id);
    if (document.status !== 'ready') {
      throw new AppError(
        'CONFLICT',
        `Document ${id} is ${document.status}; its content is available once it is ready`,
      );
    }
    return document;
  }

  /** The document's extracted pages in order (only `numbers` when given), read in batches. */
  async *pages(tenantId: string, id: string, numbers?: number[]): AsyncGenerator<PageRecord> {
    let after = 0;
    for (;;) {
      const batch = await this.deps.uow.stores.content.pages(
        tenantId,
        id,
        after,
        CONTENT_PAGE_BATCH,
        numbers,
      );
      yield* batch;
      const last = batch[batch.length - 1];
      if (last === undefined || batch.length < CONTENT_PAGE_BATCH) return;
      after = last.number;
    }
  }
}
