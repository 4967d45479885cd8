/**
 * Search scoring and rerank: the BM25 parameters, the semantic model, and the worker pool that
 * scores big lexical requests off the event loop.
 */
import { decimal, integer, oneOf, optional, text } from './parsers.js';
import type { SettingsTable } from './setting.js';

/** BM25 parameters of lexical rerank and search scoring. */
export interface ScoringConfig {
  bm25K1: number;
  bm25B: number;
}

export const SCORING_SETTINGS: SettingsTable<ScoringConfig> = {
  bm25K1: {
    key: 'bm25K1',
    env: 'QUIRE_BM25_K1',
    default: '1.2',
    parse: decimal(0, 10),
    description: 'BM25 term-frequency saturation (k1) of lexical rerank and search scoring.',
  },
  bm25B: {
    key: 'bm25B',
    env: 'QUIRE_BM25_B',
    default: '0.75',
    parse: decimal(0, 1),
    description:
      'BM25 document-length normalisation (b, 0 to 1) of lexical rerank and search scoring.',
  },
};

/** How documents are cut into passages and how their words are indexed and queried. */
export interface PassageConfig {
  passageStrategy: 'structure' | 'fixed';
  passageMaxTokens: number;
  passageOverlap: number;
  searchRanking: 'english' | 'plain';
}

export const PASSAGE_SETTINGS: SettingsTable<PassageConfig> = {
  passageStrategy: {
    key: 'passageStrategy',
    env: 'QUIRE_PASSAGE_STRATEGY',
    default: 'structure',
    parse: oneOf(['structure', 'fixed'] as const),
    description:
      'How extraction cuts documents into the passages search indexes: `structure` by their sections (PDF outline, headings), paragraphs kept whole where they fit, navigation pages marked; `fixed` in word windows per page (the relevance baseline: search as it was before structure passages).',
  },
  passageMaxTokens: {
    key: 'passageMaxTokens',
    env: 'QUIRE_PASSAGE_MAX_TOKENS',
    default: '200',
    parse: integer(16, 4096),
    description: 'Most words in a passage (`structure`), or its target length (`fixed`).',
  },
  passageOverlap: {
    key: 'passageOverlap',
    env: 'QUIRE_PASSAGE_OVERLAP',
    default: '0',
    parse: integer(0, 2048),
    description:
      'Words a `structure` passage repeats from the one before it in the same section (at most half of QUIRE_PASSAGE_MAX_TOKENS).',
  },
  searchRanking: {
    key: 'searchRanking',
    env: 'QUIRE_SEARCH_RANKING',
    default: 'english',
    parse: oneOf(['english', 'plain'] as const),
    description:
      'Terms of the search index and queries: `english` stems words (Porter), drops English stop words from queries and indexes section headings with their passages; `plain` matches words as written (the relevance baseline). Changing it needs documents re-extracted.',
  },
};

/** The optional semantic model: where it is, how much it reads, its threads and deadline. */
export interface SemanticModelConfig {
  rerankDeadlineMs: number;
  rerankModelDir: string | undefined;
  rerankMaxLength: number;
  rerankThreads: number;
}

export const SEMANTIC_MODEL_SETTINGS: SettingsTable<SemanticModelConfig> = {
  rerankDeadlineMs: {
    key: 'rerankDeadlineMs',
    env: 'QUIRE_RERANK_DEADLINE_MS',
    default: '2000',
    parse: integer(10, 120000),
    description:
      'How long the semantic model may take per rerank or similarity request, or to embed a search query; past it `hybrid` answers lexically (`meta.degraded`) and `semantic` answers 503 MODEL_UNAVAILABLE.',
  },
  rerankModelDir: {
    key: 'rerankModelDir',
    env: 'QUIRE_RERANK_MODEL_DIR',
    default: '',
    parse: optional(text(1, 4096)),
    description:
      'A local Hugging Face ONNX export (cross- or bi-encoder) for semantic rerank and similarity; a bi-encoder also embeds passages when indexed and makes search hybrid by default. Unset: lexical only. One that fails to load is logged and left out.',
  },
  rerankMaxLength: {
    key: 'rerankMaxLength',
    env: 'QUIRE_RERANK_MAX_LENGTH',
    default: '256',
    parse: integer(8, 8192),
    description:
      'Tokens the semantic model sees per query–document pair (or per text for a bi-encoder); longer input is truncated.',
  },
  rerankThreads: {
    key: 'rerankThreads',
    env: 'QUIRE_RERANK_THREADS',
    default: '1',
    parse: integer(1, 64),
    description: 'Worker threads running the semantic model, each with its own copy of it.',
  },
};

/** The worker pool scoring big lexical rerank and similarity requests. */
export interface RerankPoolConfig {
  rerankInlineBudgetUs: number;
  rerankPoolThreads: number;
  rerankPoolTimeoutMs: number;
  rerankPoolHeapMb: number;
  rerankPoolMaxQueue: number;
}

export const RERANK_POOL_SETTINGS: SettingsTable<RerankPoolConfig> = {
  rerankInlineBudgetUs: {
    key: 'rerankInlineBudgetUs',
    env: 'QUIRE_RERANK_INLINE_BUDGET_US',
    default: '2000',
    parse: integer(0, 10_000_000),
    description:
      'Lexical rerank and similarity scoring estimated (by rates measured at start-up) to cost more CPU microseconds than this runs in the rerank pool, a big request split across its free threads; cheaper scoring runs on the event loop. 0: every request goes to the pool.',
  },
  rerankPoolThreads: {
    key: 'rerankPoolThreads',
    env: 'QUIRE_RERANK_POOL_THREADS',
    default: '2',
    parse: integer(0, 256),
    description:
      'Worker threads scoring lexical rerank and similarity requests over the inline budget (BM25, TF-IDF); started on first use, stopped when idle. 0: no pool, everything is scored on the event loop.',
  },
  rerankPoolTimeoutMs: {
    key: 'rerankPoolTimeoutMs',
    env: 'QUIRE_RERANK_POOL_TIMEOUT_MS',
    default: '30000',
    parse: integer(100, 600000),
    description:
      'Longest lexical scoring task in the rerank pool; past it its thread is stopped and the request answers 503 OVERLOADED.',
  },
  rerankPoolHeapMb: {
    key: 'rerankPoolHeapMb',
    env: 'QUIRE_RERANK_POOL_HEAP_MB',
    default: '256',
    parse: integer(16, 65536),
    description:
      'Heap cap of one rerank pool thread; a task that exceeds it answers 503 OVERLOADED.',
  },
  rerankPoolMaxQueue: {
    key: 'rerankPoolMaxQueue',
    env: 'QUIRE_RERANK_POOL_MAX_QUEUE',
    default: '128',
    parse: integer(1, 1_000_000),
    description:
      'Scoring tasks waiting for a rerank pool thread; past it requests answer 503 OVERLOADED at once instead of piling up.',
  },
};

export type SearchRerankConfig = ScoringConfig &
  PassageConfig &
  SemanticModelConfig &
  RerankPoolConfig;
