/**
 * Passage search (POST /v1/search): checks the request, retrieves the tenant's best passages and,
 * when the request asks for it and a reranker is wired, reorders the top candidates with it.
 *
 * Retrieval is lexical (BM25) or hybrid: with a bi-encoder configured, the best BM25 candidates
 * and the passages nearest the query's embedding (vectors stored at indexing, see
 * passage-embeddings.ts; the query is embedded once, the corpus never) are fused by reciprocal
 * rank fusion (rank-fusion.ts, as rerank's hybrid). Hybrid is the default when a bi-encoder is
 * configured; asked for without a usable model it answers lexically with `degraded: true`.
 * The reranker and the query embedder are injected so this service stays free of models.
 */
import { invalidField } from '../errors.js';
import {
  MAX_QUERY_TERMS,
  type Highlight,
  type QueryNode,
  type SearchFilters,
  type SearchIndex,
  type SearchQuery,
} from '../ports/search-index.js';
import { tokenize } from '../shared/tokenize.js';
import { parseQuery, QuerySyntaxError } from './query-parser.js';
import type { RerankMethod, RerankService } from './rerank.js';
import { inSpan } from '../shared/spans.js';
import { ModelUnavailable, type ModelUnavailableReason } from '../ports/semantic-model.js';
import type { SearchHit } from '../ports/search-index.js';
import { bestFusedScore, reciprocalRankFusion } from './rank-fusion.js';
import type { PassageEmbedder } from './passage-embeddings.js';

export const RETRIEVAL_METHODS = ['lexical', 'hybrid'] as const;
export type RetrievalMethod = (typeof RETRIEVAL_METHODS)[number];
/** Hybrid fuses at least this many candidates of each ranking (more when the answer needs it). */
export const HYBRID_DEPTH = 50;

export const SEARCH_LIMITS = {
  queryChars: 1000,
  limit: 100,
  defaultLimit: 10,
  documentIds: 100,
  tags: 20,
  topN: 100,
} as const;

export interface RerankOutcome {
  /** Indexes into the given texts, best first (may be fewer than given). */
  order: number[];
  /** Scores, aligned with `order`. */
  scores: number[];
  degraded: boolean;
  /** The method that actually ranked (e.g. `lexical` when `hybrid` fell back). */
  method: string;
}

export type Rerank = (
  query: string,
  texts: string[],
  method: RerankMethod,
  topN: number,
) => Promise<RerankOutcome>;

/** Search's optional rerank step, done by the same service as /v1/rerank. */
export function rerankWith(service: Pick<RerankService, 'rerank'>): Rerank {
  return async (query, texts, method, topN) => {
    const outcome = await service.rerank({
      query,
      documents: texts,
      topN,
      method,
      returnDocuments: false,
    });
    return {
      order: outcome.results.map((result) => result.index),
      scores: outcome.results.map((result) => result.relevance_score),
      degraded: outcome.meta.degraded,
      method: outcome.meta.method,
    };
  };
}

export interface SearchRequest {
  query: string;
  limit?: number;
  filters?: SearchFilters;
  /** Passages of tables of contents, indexes and lists of figures too (left out by default). */
  include_navigation?: boolean;
  /** A malformed query is a 400 naming its position instead of being read leniently. */
  strict?: boolean;
  /** Default: `hybrid` when a bi-encoder is configured, `lexical` otherwise. */
  retrieval?: RetrievalMethod;
  rerank?: { method: RerankMethod; top_n?: number };
}

export interface SearchResultItem {
  document_id: string;
  chunk_id: string;
  page: number;
  page_end: number;
  heading_path: string[];
  score: number;
  text: string;
  highlights: Highlight[];
}

export interface SearchResponse {
  results: SearchResultItem[];
  meta: { method: string; retrieval: RetrievalMethod; took_ms: number; degraded: boolean };
}

export interface SearchServiceDeps {
  index: SearchIndex;
  rerank?: Rerank;
  /** Embeds queries for hybrid retrieval (absent or without a model: lexical only). */
  embedder?: Pick<PassageEmbedder, 'modelName' | 'embedQuery'>;
  /** Told when a hybrid retrieval fell back to lexical, and why. */
  onDegraded?: (reason: ModelUnavailableReason) => void;
  now?: () => number;
}

export class SearchService {
  readonly #index: SearchIndex;
  readonly #rerank: Rerank | undefined;
  readonly #embedder: SearchServiceDeps['embedder'];
  readonly #onDegraded: SearchServiceDeps['onDegraded'];
  readonly #now: () => number;

  constructor(deps: SearchServiceDeps) {
    this.#index = deps.index;
    this.#rerank = deps.rerank;
    this.#embedder = deps.embedder;
    this.#onDegraded = deps.onDegraded;
    this.#now = deps.now ?? (() => performance.now());
  }

  /** What a request that names no retrieval gets. */
  get defaultRetrieval(): RetrievalMethod {
    return (this.#embedder?.modelName ?? null) === null ? 'lexical' : 'hybrid';
  }

  /** Searches in a `search` span (sizes and method, never the query text). */
  search(tenantId: string, request: SearchRequest): Promise<SearchResponse> {
    const attributes = {
      'quire.tenant_id': tenantId,
      'quire.search.query_chars': request.query.length,
      'quire.search.rerank': request.rerank?.method ?? 'none',
      'quire.search.retrieval': request.retrieval ?? this.defaultRetrieval,
    };
    return inSpan('search', { attributes }, async (span) => {
      const response = await this.#search(tenantId, request);
      span.setAttributes({
        'quire.search.results': response.results.length,
        'quire.search.method': response.meta.method,
        'quire.search.degraded': response.meta.degraded,
      });
      return response;
    });
  }

  async #search(tenantId: string, request: SearchRequest): Promise<SearchResponse> {
    const started = this.#now();
    const limit = request.limit ?? SEARCH_LIMITS.defaultLimit;
    const filters = request.filters ?? {};
    this.#check(request, limit, filters);

    const rerank = request.rerank !== undefined ? this.#rerank : undefined;
    // Rerank the top `top_n` lexical candidates (never fewer than the answer needs).
    const candidates =
      rerank === undefined ? limit : Math.max(limit, request.rerank?.top_n ?? limit);
    const parsed = this.#parse(request);
    const query = {
      text: request.query,
      parsed,
      limit: candidates,
      filters,
      includeNavigation: request.include_navigation === true,
    };
    const retrieval = request.retrieval ?? this.defaultRetrieval;
    let hits: SearchHit[];
    let retrieved: RetrievalMethod = 'lexical';
    let degraded = false;
    if (retrieval === 'hybrid') {
      const hybrid = await this.#hybrid(tenantId, query);
      hits = hybrid.hits;
      if (hybrid.degraded === undefined) retrieved = 'hybrid';
      else {
        degraded = true;
        this.#onDegraded?.(hybrid.degraded);
      }
    } else {
      hits = (await this.#index.search(tenantId, query)).hits;
    }
    let items: SearchResultItem[] = hits.map((hit) => ({
      document_id: hit.document_id,
      chunk_id: hit.passage_id,
      page: hit.page,
      page_end: hit.page_end,
      heading_path: hit.heading_path,
      score: hit.score,
      text: hit.text,
      highlights: hit.highlights,
    }));
    let method: string = retrieved;
    if (rerank !== undefined && request.rerank !== undefined && items.length > 0) {
      const outcome = await rerank(
        request.query,
        items.map((item) => item.text),
        request.rerank.method,
        items.length,
      );
      const reordered: SearchResultItem[] = [];
      outcome.order.forEach((position, rank) => {
        const item = items[position];
        if (item !== undefined) reordered.push({ ...item, score: outcome.scores[rank] ?? 0 });
      });
      items = reordered;
      method = outcome.method;
      degraded = degraded || outcome.degraded;
    }
    return {
      results: items.slice(0, limit),
      meta: {
        method,
        retrieval: retrieved,
        took_ms: Math.round((this.#now() - started) * 100) / 100,
        degraded,
      },
    };
  }

  /**
   * The best `query.limit` of BM25's and the vectors' candidates fused by RRF, the query embedded
   * while BM25 runs; BM25's alone (and why) when the model cannot embed the query. Scores are
   * the fused score over its maximum (first in both rankings), so 0–1.
   */
  async #hybrid(
    tenantId: string,
    query: SearchQuery,
  ): Promise<{ hits: SearchHit[]; degraded?: ModelUnavailableReason }> {
    const depth = Math.max(query.limit, HYBRID_DEPTH);
    const model = this.#embedder?.modelName ?? null;
    const embedding =
      model === null || this.#embedder === undefined
        ? Promise.resolve<ModelUnavailableReason>('missing')
        : this.#embedder.embedQuery(query.text).catch((error: unknown) => {
            if (error instanceof ModelUnavailable) return error.reason;
            throw error;
          });
    const [lexical, vector] = await Promise.all([
      this.#index.search(tenantId, { ...query, limit: depth }),
      embedding,
    ]);
    if (typeof vector === 'string' || model === null)
      return {
        hits: lexical.hits.slice(0, query.limit),
        degraded: typeof vector === 'string' ? vector : 'missing',
      };
    const nearest = await this.#index.nearest(tenantId, {
      vector,
      model,
      limit: depth,
      filters: query.filters,
      includeNavigation: query.includeNavigation === true,
      text: query.text,
      ...(query.parsed === undefined ? {} : { parsed: query.parsed }),
    });
    const byId = new Map<string, SearchHit>();
    for (const hit of [...nearest.hits, ...lexical.hits]) byId.set(hit.passage_id, hit);
    const fused = reciprocalRankFusion([
      lexical.hits.map((hit) => hit.passage_id),
      nearest.hits.map((hit) => hit.passage_id),
    ]);
    const best = bestFusedScore(2);
    const hits = [...fused.entries()]
      .map(([id, score]) => ({ ...(byId.get(id) as SearchHit), score: score / best }))
      .sort((a, b) => b.score - a.score || (a.passage_id < b.passage_id ? -1 : 1));
    return { hits: hits.slice(0, query.limit) };
  }

  /** The query as a tree: leniently read, or refused with its position when `strict`. */
  #parse(request: SearchRequest): QueryNode {
    try {
      return parseQuery(request.query, tokenize, {
        strict: request.strict === true,
        maxTerms: MAX_QUERY_TERMS,
      });
    } catch (error) {
      if (error instanceof QuerySyntaxError) throw invalidField('/query', error.message);
      throw error;
    }
  }

  /** The same bounds the HTTP schema enforces, for callers that are not HTTP. */
  #check(request: SearchRequest, limit: number, filters: SearchFilters): void {
    const length = request.query.length;
    if (length < 1 || length > SEARCH_LIMITS.queryChars)
      throw invalidField('/query', `must be 1–${SEARCH_LIMITS.queryChars} characters`);
    if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_LIMITS.limit)
      throw invalidField('/limit', `must be an integer 1–${SEARCH_LIMITS.limit}`);
    if ((filters.document_ids?.length ?? 0) > SEARCH_LIMITS.documentIds)
      throw invalidField(
        '/filters/document_ids',
        `must have at most ${SEARCH_LIMITS.documentIds} items`,
      );
    if ((filters.tags?.length ?? 0) > SEARCH_LIMITS.tags)
      throw invalidField('/filters/tags', `must have at most ${SEARCH_LIMITS.tags} items`);
    if (request.retrieval !== undefined && !RETRIEVAL_METHODS.includes(request.retrieval))
      throw invalidField('/retrieval', `must be one of ${RETRIEVAL_METHODS.join(', ')}`);
    const topN = request.rerank?.top_n;
    if (topN !== undefined && (!Number.isInteger(topN) || topN < 1 || topN > SEARCH_LIMITS.topN))
      throw invalidField('/rerank/top_n', `must be an integer 1–${SEARCH_LIMITS.topN}`);
  }
}
