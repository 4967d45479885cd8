/**
 * Full-text search over the passages of a tenant's ready documents. The index lives in the
 * database next to the passages (SQLite FTS5, PostgreSQL tsvector + GIN), so it changes in the
 * same transaction as they do: a passage is findable exactly when it is committed, and gone
 * when its document is deleted. Adapters take the query as user text and must never let it
 * reach the engine's query syntax: both plan it with adapters/sql/query-plan.ts, which quotes
 * every word in the engine's own way.
 */

export interface SearchFilters {
  /** Only passages of these documents. */
  document_ids?: string[];
  /** Only documents carrying every one of these tags. */
  tags?: string[];
  /** Only documents of this media type. */
  media_type?: string;
}

/** A field a query word may be restricted to (`title:`, `heading:`). */
export type QueryField = 'title' | 'heading';

/** A parsed query (domain/query-parser.ts); words are folded (shared/tokenize.ts), not stemmed. */
export type QueryNode =
  | { kind: 'term'; word: string; prefix: boolean; field?: QueryField }
  | { kind: 'phrase'; words: string[]; field?: QueryField }
  | {
      kind: 'bool';
      /** All of these. */
      must: QueryNode[];
      /** At least one of these when `must` is empty; otherwise they only rank. */
      should: QueryNode[];
      /** None of these. */
      mustNot: QueryNode[];
    };

export interface SearchQuery {
  /** User text, in the query language of domain/query-parser.ts. */
  text: string;
  /** `text` parsed (domain/query-parser.ts); absent: the words of `text` as alternatives. */
  parsed?: QueryNode;
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

/**
 * The passages nearest a query's embedding (passage-vectors.ts), under the same scope as a
 * search: the tenant's ready documents, the filters, navigation left out unless asked.
 */
export interface NearestQuery {
  /** The query's embedding, L2-normalised. */
  vector: Float32Array;
  /** Only vectors of this model (and of the vector's dimensions) count. */
  model: string;
  /** At most this many hits (1–1000). */
  limit: number;
  filters: SearchFilters;
  includeNavigation?: boolean;
  /** The query as the user wrote it, and parsed: its words are highlighted where they occur. */
  text: string;
  parsed?: QueryNode;
}

export interface SearchIndex {
  search(tenantId: string, query: SearchQuery): Promise<SearchResult>;
  /** By cosine similarity (the score), best first, ties by passage id. */
  nearest(tenantId: string, query: NearestQuery): Promise<SearchResult>;
}

/** Query words and phrases beyond this many are dropped (a query is at most 1000 characters). */
export const MAX_QUERY_TERMS = 64;
