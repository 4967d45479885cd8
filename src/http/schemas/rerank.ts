/**
 * Request and response schemas of POST /v1/rerank (and its /v2/rerank alias) and
 * POST /v1/similarity. The rerank body is a superset of what Cohere's v1 and v2 rerank, and Jina's,
 * send — including fields Quire accepts and ignores (`rank_fields`, `max_chunks_per_doc`,
 * `max_tokens_per_doc`, `priority`) — and unknown top-level fields are allowed, so SDK updates
 * that add one do not break callers. Optional fields take `null` as absent (those SDKs send it).
 * POST /rerank takes the text-embeddings-inference shape (TeiRerankBody). The per-text limits are here; the total is checked in the
 * route (413) before any scoring.
 */
import { Type } from 'typebox';
import { RERANK_METHODS } from '../../domain/rerank.js';
import { OptionalNullable } from './nullable.js';

export const RERANK_LIMITS = {
  maxDocuments: 1000,
  maxQueryChars: 4096,
  maxDocumentChars: 50_000,
  /** Query (or source) plus every document (or target), in UTF-16 code units: else 413. */
  maxTotalChars: 5_000_000,
} as const;

const Method = Type.Enum(RERANK_METHODS, {
  description:
    '`lexical` (BM25), `semantic` (the configured model; 503 MODEL_UNAVAILABLE without one) or `hybrid` (BM25 and the model fused by reciprocal rank, lexical with `meta.degraded` when the model is missing, failing or slow). Default: `hybrid` when a model is configured, else `lexical`.',
});

// The per-text length is checked by the route in UTF-16 units (String#length, O(1)): ajv's
// maxLength counts code points one by one, a measurable cost on 100 KB+ of documents.
const DocumentText = Type.String({
  description: `At most ${RERANK_LIMITS.maxDocumentChars} characters (UTF-16 code units).`,
});

export const RerankDocument = Type.Union([
  DocumentText,
  Type.Object(
    {
      text: DocumentText,
      id: OptionalNullable(Type.String({ maxLength: 256 })),
    },
    { description: 'A document as an object (Cohere v1, Jina); other fields are ignored.' },
  ),
]);

const topN = (description: string) =>
  Type.Integer({ minimum: 1, maximum: RERANK_LIMITS.maxDocuments, description });

export const RerankBody = Type.Object({
  query: Type.String({ minLength: 1, maxLength: RERANK_LIMITS.maxQueryChars }),
  documents: Type.Array(RerankDocument, {
    minItems: 1,
    maxItems: RERANK_LIMITS.maxDocuments,
    description: `Strings or {text, id?} objects, each at most ${RERANK_LIMITS.maxDocumentChars} characters (empty allowed: scores 0); all texts together at most ${RERANK_LIMITS.maxTotalChars} characters (413 above).`,
  }),
  top_n: OptionalNullable(
    topN('Results to return, best first (default: all); above the document count: all.'),
  ),
  top_k: OptionalNullable(topN('Jina’s name for `top_n`; when both are sent they must be equal.')),
  return_documents: OptionalNullable(
    Type.Boolean({ default: false, description: 'Include `document: {text}` in each result.' }),
  ),
  method: OptionalNullable(Method),
  model: OptionalNullable(
    Type.String({
      maxLength: 256,
      description:
        'Echoed as `meta.requested_model`. `bm25` (lexical), the configured model’s name (semantic) or `<model>+bm25` (hybrid) choose the method; a Cohere or Jina model name (`rerank-…`, `jina-reranker-…`, `jina-colbert-…`) is answered by this server’s scorer (`method`, or the default); any other name is 400 UNKNOWN_MODEL, whose detail lists the names taken.',
    }),
  ),
  rank_fields: OptionalNullable(
    Type.Array(Type.String({ maxLength: 256 }), {
      maxItems: 100,
      description: 'Accepted (Cohere v1) and ignored: documents are ranked by `text`.',
    }),
  ),
  max_chunks_per_doc: OptionalNullable(Type.Integer({ minimum: 1, description: 'Ignored.' })),
  max_tokens_per_doc: OptionalNullable(Type.Integer({ minimum: 1, description: 'Ignored.' })),
  priority: OptionalNullable(Type.Integer({ description: 'Ignored.' })),
});

const ScoringMeta = {
  method: Method,
  model: Type.String({
    description: 'What produced the scores: `bm25`, `tfidf-cosine`, the model, or `model+bm25`.',
  }),
  degraded: Type.Boolean({ description: 'The semantic model was wanted but not used.' }),
  degraded_reason: Type.Optional(
    Type.Enum(['missing', 'failed', 'deadline', 'open_circuit', 'busy'], {
      description: 'Why the answer degraded.',
    }),
  ),
  requested_model: Type.Optional(Type.String()),
  took_ms: Type.Number(),
};

export const RerankResponse = Type.Object({
  id: Type.String({ description: 'A fresh UUID per answer (as Cohere returns).' }),
  results: Type.Array(
    Type.Object({
      index: Type.Integer({ minimum: 0, description: 'Position in the request’s `documents`.' }),
      relevance_score: Type.Number({
        description:
          'Higher is more relevant, 0–1. lexical: s / (s + 1) of the raw BM25 score s; hybrid: the RRF score divided by its maximum 2/61; semantic: the model’s score (a cross-encoder’s logit through a sigmoid; a bi-encoder’s cosine).',
      }),
      document: Type.Optional(Type.Object({ text: Type.String() })),
    }),
    { description: 'Sorted by relevance_score, highest first; ties by index.' },
  ),
  meta: Type.Object({
    ...ScoringMeta,
    api_version: Type.Object({ version: Type.String() }),
    billed_units: Type.Object({ search_units: Type.Integer() }),
  }),
});

export const SimilarityBody = Type.Object({
  source: Type.String({ minLength: 1, maxLength: RERANK_LIMITS.maxDocumentChars }),
  targets: Type.Array(DocumentText, {
    minItems: 1,
    maxItems: RERANK_LIMITS.maxDocuments,
    description: `Each at most ${RERANK_LIMITS.maxDocumentChars} characters; with the source at most ${RERANK_LIMITS.maxTotalChars} (413 above).`,
  }),
  method: OptionalNullable(Method),
  model: OptionalNullable(
    Type.String({ maxLength: 256, description: 'As `model` of POST /v1/rerank.' }),
  ),
});

export const SimilarityResponse = Type.Object({
  scores: Type.Array(Type.Number(), {
    description:
      'One per target, in target order: lexical = cosine of TF-IDF vectors (0–1); semantic = the model’s similarity.',
  }),
  meta: Type.Object(ScoringMeta),
});

/** POST /rerank's body: text-embeddings-inference's (TEI) rerank request. */
export const TeiRerankBody = Type.Object({
  query: Type.String({ minLength: 1, maxLength: RERANK_LIMITS.maxQueryChars }),
  texts: Type.Array(DocumentText, {
    minItems: 1,
    maxItems: RERANK_LIMITS.maxDocuments,
    description: `Each at most ${RERANK_LIMITS.maxDocumentChars} characters; with the query at most ${RERANK_LIMITS.maxTotalChars} (413 above).`,
  }),
  return_text: OptionalNullable(
    Type.Boolean({ default: false, description: 'Include each text as `text`.' }),
  ),
  raw_scores: OptionalNullable(
    Type.Boolean({
      default: false,
      description:
        'Scores before their mapping to 0–1: the raw BM25 score (lexical), the cross-encoder’s logit (semantic), the RRF sum (hybrid).',
    }),
  ),
  truncate: OptionalNullable(
    Type.Boolean({
      description:
        'Accepted and ignored: texts are never cut here (the model truncates its input).',
    }),
  ),
  truncation_direction: OptionalNullable(
    Type.Enum(['Left', 'Right', 'left', 'right'], { description: 'Accepted and ignored.' }),
  ),
});

export const TeiRerankResponse = Type.Array(
  Type.Object({
    index: Type.Integer({ minimum: 0, description: 'Position in the request’s `texts`.' }),
    score: Type.Number({ description: 'As `relevance_score` of POST /v1/rerank (or raw).' }),
    text: Type.Optional(Type.String()),
  }),
  { description: 'One per text, sorted by score, highest first; ties by index.' },
);
