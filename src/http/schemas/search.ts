/**
 * Request and response schemas of POST /v1/search: one definition validates, types and
 * documents them; the bounds are the service's (SEARCH_LIMITS), so they cannot drift apart.
 */
import { Type, type TObject, type TProperties } from 'typebox';
import { RERANK_METHODS } from '../../domain/rerank.js';
import { RETRIEVAL_METHODS, SEARCH_LIMITS } from '../../domain/search.js';
import { Tag } from './documents.js';
import { OptionalNullable } from './nullable.js';

/**
 * An object that refuses unknown fields with a 400, so a misspelt `filters.tag` is an error, not a
 * silently broader search. The body validator rejects what `additionalProperties: false` forbids
 * (src/http/validators.ts); `propertyNames` was added when it still stripped such fields.
 */
function closed<T extends TProperties>(properties: T): TObject<T> {
  return Type.Object(properties, {
    additionalProperties: false,
    propertyNames: { enum: Object.keys(properties) },
  });
}

export const SearchBody = closed({
  query: Type.String({
    minLength: 1,
    maxLength: SEARCH_LIMITS.queryChars,
    description:
      'Words (letters and numbers; case and accents ignored; English stems and stop words) and operators: `"exact phrase"`, `prefix*`, `-exclude`, `+require`, `a OR b`, `a AND b`, `( … )`, `title:word`, `heading:"a phrase"`. Words are alternatives: a passage matching any is a candidate, more and rarer matches (in a title or heading above the text) rank higher; field clauses are filters. A malformed query is read leniently unless `strict` (see docs/api.md).',
  }),
  strict: OptionalNullable(
    Type.Boolean({
      default: false,
      description:
        'Refuse a malformed query (unbalanced quote or parenthesis, lone operator, empty field, parentheses nested deeper than 16) with 400 VALIDATION_FAILED naming the character where it is, instead of reading it leniently.',
    }),
  ),
  limit: OptionalNullable(
    Type.Integer({
      minimum: 1,
      maximum: SEARCH_LIMITS.limit,
      default: SEARCH_LIMITS.defaultLimit,
      description: 'At most this many results.',
    }),
  ),
  filters: OptionalNullable(
    closed({
      document_ids: OptionalNullable(
        Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
          maxItems: SEARCH_LIMITS.documentIds,
          description: 'Only passages of these documents.',
        }),
      ),
      tags: OptionalNullable(
        Type.Array(Tag, {
          maxItems: SEARCH_LIMITS.tags,
          description: 'Only documents carrying all of these tags.',
        }),
      ),
      media_type: OptionalNullable(
        Type.String({ minLength: 1, maxLength: 200, description: 'Only this media type.' }),
      ),
    }),
  ),
  include_navigation: OptionalNullable(
    Type.Boolean({
      default: false,
      description:
        'Also passages of navigation pages (tables of contents, indexes, lists of figures), which are left out by default: they repeat every title of a document.',
    }),
  ),
  retrieval: OptionalNullable(
    Type.Enum(RETRIEVAL_METHODS, {
      description:
        '`lexical`: BM25 only. `hybrid`: BM25 and the passages nearest the query by embedding (stored when documents are indexed), fused by reciprocal rank fusion (k = 60). Default: `hybrid` when the server has a bi-encoder configured, `lexical` otherwise. `hybrid` without a usable model answers lexically with `meta.degraded: true`.',
    }),
  ),
  rerank: OptionalNullable(
    closed({
      method: Type.Enum(RERANK_METHODS),
      top_n: OptionalNullable(
        Type.Integer({
          minimum: 1,
          maximum: SEARCH_LIMITS.topN,
          description:
            'How many of the best lexical candidates are reranked (default and minimum: `limit`).',
        }),
      ),
    }),
  ),
});

export const SearchResultView = Type.Object({
  document_id: Type.String(),
  chunk_id: Type.String({ description: 'The passage (`chk_…`).' }),
  page: Type.Integer({ minimum: 1, description: 'The page the passage starts on.' }),
  page_end: Type.Integer({ minimum: 1, description: 'The page it ends on.' }),
  heading_path: Type.Array(Type.String(), {
    description:
      'The titles of the sections the passage is in, outermost first (e.g. `["11 Statistical models in R", "11.1 Defining statistical models; formulae"]`); empty when the document has no known structure.',
  }),
  score: Type.Number({ description: 'Higher is better; comparable within one answer only.' }),
  text: Type.String({ description: 'The passage text.' }),
  highlights: Type.Array(
    Type.Object({
      start: Type.Integer({ minimum: 0 }),
      end: Type.Integer({ minimum: 0 }),
    }),
    {
      description:
        'Words of `text` matching a query word: UTF-16 code unit offsets, sorted, never overlapping.',
    },
  ),
});

export const SearchAnswer = Type.Object({
  results: Type.Array(SearchResultView, { description: 'Best first.' }),
  meta: Type.Object({
    method: Type.String({
      description: '`lexical` or `hybrid` (the retrieval), or the rerank method that ordered them.',
    }),
    retrieval: Type.Enum(RETRIEVAL_METHODS, {
      description: 'How the candidates were retrieved: `hybrid` only when the model answered.',
    }),
    took_ms: Type.Number({ minimum: 0 }),
    degraded: Type.Boolean({
      description: 'True when the requested hybrid retrieval or rerank fell back to lexical.',
    }),
  }),
});
