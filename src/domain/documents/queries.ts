/** Reading documents: one by id, a filtered page of them, and a ready one's extracted pages. */
import { AppError, invalidField } from '../../errors.js';
import type { PageRecord, PassageRecord } from '../../ports/content-store.js';
import type {
  DocumentCursor,
  DocumentFilter,
  DocumentPage,
  DocumentRecord,
  DocumentSort,
} from '../../ports/document-store.js';
import type { DocumentDeps } from './deps.js';
import { findDocument } from './lookup.js';
import { DEFAULT_CHUNKING, splitPassages, type Chunking } from '../passages.js';

/** Pages read per query when content is streamed. */
export const CONTENT_PAGE_BATCH = 50;

export type QueryDeps = Pick<DocumentDeps, 'uow' | 'chunking'>;

export interface DocumentChunks {
  chunks: PassageRecord[];
  chunking: Chunking;
  /** True when these are the passages the search index holds (the server's chunking). */
  indexed: boolean;
}

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

  /**
   * A ready document's chunks: the passages the index holds when `requested` asks for nothing
   * else than the server's chunking, else cut now from its stored pages and outline the same way.
   */
  async chunks(
    tenantId: string,
    id: string,
    requested: Partial<Chunking>,
  ): Promise<DocumentChunks> {
    const document = await this.readyDocument(tenantId, id);
    const server = this.deps.chunking ?? DEFAULT_CHUNKING;
    const chunking: Chunking = {
      strategy: requested.strategy ?? server.strategy,
      maxTokens: requested.maxTokens ?? server.maxTokens,
      overlap: requested.overlap ?? (requested.strategy === 'fixed' ? 0 : server.overlap),
    };
    if (chunking.strategy === 'fixed' && chunking.overlap > 0)
      throw invalidField('/querystring/overlap', 'must be 0 with strategy=fixed');
    if (chunking.overlap > Math.floor(chunking.maxTokens / 2))
      throw invalidField('/querystring/overlap', 'must be at most half of max_tokens');
    const indexed =
      chunking.strategy === server.strategy &&
      chunking.maxTokens === server.maxTokens &&
      chunking.overlap === server.overlap;
    if (indexed)
      return {
        chunks: await this.deps.uow.stores.content.passages(tenantId, id),
        chunking,
        indexed,
      };
    const pages: PageRecord[] = [];
    for await (const page of this.pages(tenantId, id)) pages.push(page);
    const chunks = await splitPassages(
      tenantId,
      id,
      pages,
      document.extracted.outline,
      Date.parse(document.updated_at),
      chunking,
    );
    return { chunks, chunking, indexed };
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
