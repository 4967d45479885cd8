/**
 * Full-text search over the passages of a tenant's ready documents. The index lives in the
 * database next to the passages (SQLite FTS5, PostgreSQL tsvector + GIN), so it changes in the
 * same transaction as they do: a passage is findable exactly when it is committed, and gone
 * when its document is deleted. Adapters take the query as user text and must never let it
 * reach the engine's query syntax; both split it with shared/tokenize.ts and OR its words.
 */

export interface SearchFilters {
  /** Only passages of these documents. */
  document_ids?: string[];
  /** Only documents carrying every one of these tags. */
  tags?: string[];
  /** Only documents of this media type. */
  media_type?: string;
}

export interface SearchQuery {
  /** User text: tokenized, each word a term; no operators are understood. */
  text: string;
  /** At most this many hits (1–1000). */
  limit: number;
  filters: SearchFilters;
  /** Passages on navigation pages (tables of contents, indexes) too; default: left out. */
  includeNavigation?: boolean;
}

export interface Highlight {
  /** UTF-16 offsets into the passage text of a word matching a query term. */
  start: number;
  end: number;
}

export interface SearchHit {
  passage_id: string;
  document_id: string;
  page: number;
  /** The last page the passage covers. */
  page_end: number;
  /** The titles of the sections the passage is in, outermost first. */
  heading_path: string[];
  /** Higher is better; comparable within one answer only. */
  score: number;
  text: string;
  /** Sorted by start, never overlapping. */
  highlights: Highlight[];
}

export interface SearchResult {
  /** Best first; ties by passage id. */
  hits: SearchHit[];
  took_ms?: number;
}

export interface SearchIndex {
  search(tenantId: string, query: SearchQuery): Promise<SearchResult>;
}

/** More distinct query words than this are dropped (a query is at most 1000 characters). */
export const MAX_QUERY_TERMS = 64;
