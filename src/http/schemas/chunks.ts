/**
 * GET /v1/documents/{id}/chunks: the query (strategy, size, overlap, page of results) and the
 * chunk view. The bounds are the settings' (QUIRE_PASSAGE_MAX_TOKENS, QUIRE_PASSAGE_OVERLAP).
 */
import { Type } from 'typebox';

export const CHUNK_LIMITS = { defaultLimit: 100, limit: 500 } as const;

export const ChunksQuery = Type.Object(
  {
    strategy: Type.Optional(
      Type.Union([Type.Literal('structure'), Type.Literal('fixed')], {
        description:
          "`structure`: by the document's sections (outline, headings), paragraphs kept whole where they fit; `fixed`: word windows per page. Default: the server's (QUIRE_PASSAGE_STRATEGY).",
      }),
    ),
    max_tokens: Type.Optional(
      Type.Integer({
        minimum: 16,
        maximum: 4096,
        description: 'Most words per chunk. Default: the server’s (QUIRE_PASSAGE_MAX_TOKENS).',
      }),
    ),
    overlap: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2048,
        description:
          'Words repeated from the previous chunk of the same section (`structure` only; at most half of `max_tokens`). Default: the server’s (QUIRE_PASSAGE_OVERLAP).',
      }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: CHUNK_LIMITS.limit, default: CHUNK_LIMITS.defaultLimit }),
    ),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const ChunkView = Type.Object({
  id: Type.Union([Type.String(), Type.Null()], {
    description:
      'The passage id search answers with (`chk_…`) when these are the indexed chunks; null for chunks cut on request with other parameters.',
  }),
  ordinal: Type.Integer({ minimum: 0, description: 'Position in the document, from 0.' }),
  text: Type.String(),
  heading_path: Type.Array(Type.String(), {
    description: 'The titles of the sections the chunk is in, outermost first.',
  }),
  page: Type.Integer({ minimum: 1, description: 'The page it starts on.' }),
  page_end: Type.Integer({ minimum: 1, description: 'The page it ends on.' }),
  start: Type.Integer({
    minimum: 0,
    description: 'UTF-16 offset of its start in the text of page `page` (/content?format=json).',
  }),
  end: Type.Integer({
    minimum: 0,
    description: 'UTF-16 offset of its end in the text of page `page_end`.',
  }),
  token_count: Type.Integer({ minimum: 0, description: 'Words (whitespace-separated).' }),
  navigation: Type.Boolean({
    description: 'On a table of contents, an index or a list of figures (left out of search).',
  }),
});

export const ChunksAnswer = Type.Object({
  data: Type.Array(ChunkView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  meta: Type.Object({
    strategy: Type.String(),
    max_tokens: Type.Integer(),
    overlap: Type.Integer(),
    indexed: Type.Boolean({
      description: 'True when these are the chunks the search index holds.',
    }),
    total: Type.Integer({ minimum: 0, description: 'Chunks in the document.' }),
  }),
});
