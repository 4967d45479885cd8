/** Documents and their tags, always scoped by tenant: another tenant's document does not exist. */
import type { ExtractedMetadata } from './extractor.js';
import type { FailureCode } from './failures.js';

export const DOCUMENT_STATUSES = ['pending', 'processing', 'ready', 'failed'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export const DOCUMENT_SORTS = [
  'created_at',
  '-created_at',
  'title',
  '-title',
  'size',
  '-size',
] as const;
export type DocumentSort = (typeof DOCUMENT_SORTS)[number];

/** What extraction found (ExtractedMetadata plus counts and flags). */
export interface Extracted extends ExtractedMetadata {
  word_count: number;
  needs_ocr?: boolean;
  truncated?: boolean;
}

export interface DocumentRecord {
  id: string;
  tenant_id: string;
  title: string;
  status: DocumentStatus;
  /** Null until known (a URL document before its fetch). */
  media_type: string | null;
  size_bytes: number;
  sha256: string | null;
  filename: string | null;
  page_count: number | null;
  tags: string[];
  metadata: Record<string, unknown>;
  source: { type: 'upload' | 'url' | 'text'; url?: string };
  extracted: Extracted;
  error: { code: FailureCode; message: string } | null;
  /** The document this one was made from (an e-mail, for its attachment), or null. */
  parent_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface DocumentFilter {
  status?: DocumentStatus;
  media_type?: string;
  /** All must match. */
  tags?: string[];
  created_after?: string;
  created_before?: string;
  /** Title prefix, case-insensitive. */
  q?: string;
  /** Only the children of this document (its e-mail attachments). */
  parent_id?: string;
}

/** Keyset position: the sort value and id of the last document of the previous page. */
export interface DocumentCursor {
  value: string | number;
  id: string;
}

export interface DocumentPage {
  data: DocumentRecord[];
  /** Where the next page starts, or null. */
  next: DocumentCursor | null;
}

export interface DocumentPatch {
  title?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

export interface DocumentStore {
  insert(document: DocumentRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<DocumentRecord | null>;
  /** The tenant's document with this content, if any (dedupe): the one `insertForContent` made first. */
  findBySha256(tenantId: string, sha256: string): Promise<DocumentRecord | null>;
  /**
   * Inserts the document as the tenant's one document for its content (what dedupe answers with)
   * unless the tenant already has such a one: then nothing is written and that one is returned.
   * Atomic across connections and processes (a unique key in the store), so of concurrent uploads
   * of the same bytes exactly one inserts. Returns `document` when it was inserted.
   */
  insertForContent(document: DocumentRecord & { sha256: string }): Promise<DocumentRecord>;
  list(
    tenantId: string,
    filter: DocumentFilter,
    sort: DocumentSort,
    limit: number,
    after?: DocumentCursor,
  ): Promise<DocumentPage>;
  update(
    tenantId: string,
    id: string,
    patch: DocumentPatch &
      Partial<
        Pick<
          DocumentRecord,
          'status' | 'media_type' | 'size_bytes' | 'sha256' | 'page_count' | 'extracted' | 'error'
        >
      >,
    at: string,
  ): Promise<DocumentRecord | null>;
  /**
   * Sets the status and error only while the status is still `from` (compare-and-set, so of
   * concurrent callers one wins): the updated document, or null when its status was not `from`
   * or there is no such document.
   */
  changeStatus(
    tenantId: string,
    id: string,
    from: DocumentStatus,
    to: Pick<DocumentRecord, 'status' | 'error'>,
    at: string,
  ): Promise<DocumentRecord | null>;
  /** Deletes and returns the document (with its tags), or null when the tenant has none with this id. */
  delete(tenantId: string, id: string): Promise<DocumentRecord | null>;
  countByStatus(): Promise<Record<string, number>>;
  /** Pages of every ready document, across tenants. */
  countPages(): Promise<number>;
}

/** How many documents use each blob, across tenants: the blob goes when the count reaches 0. */
export interface BlobRefStore {
  increment(sha256: string): Promise<number>;
  decrement(sha256: string): Promise<number>;
}
