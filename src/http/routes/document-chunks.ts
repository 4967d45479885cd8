/**
 * GET /v1/documents/:id/chunks: a ready document's chunks — by default exactly the passages the
 * search index holds — with heading path, page span, offsets and word counts, for RAG pipelines
 * that embed them elsewhere. Other `strategy`, `max_tokens` or `overlap` values cut them on request
 * from the stored pages, the same way. Paginated by an opaque cursor over their order.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { DocumentServices } from '../../domain/documents/index.js';
import { AppError } from '../../errors.js';
import { tenantOf } from '../caller.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import { CHUNK_LIMITS, ChunksAnswer, ChunksQuery } from '../schemas/chunks.js';
import { IdParams } from '../schemas/documents.js';

export interface ChunkRoutesOptions {
  documents: Pick<DocumentServices, 'queries'>;
}

const encodeOrdinal = (ordinal: number): string =>
  Buffer.from(`c1:${ordinal}`).toString('base64url');

function decodeOrdinal(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^c1:([0-9]{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match === null)
    throw new AppError('VALIDATION_FAILED', 'cursor is not one this API returned', {
      errors: [{ path: '/querystring/cursor', message: 'is not a valid cursor' }],
    });
  return Number(match[1]);
}

export async function chunkRoutes(
  plain: FastifyInstance,
  { documents }: ChunkRoutesOptions,
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/documents/:id/chunks',
    {
      config: { scope: 'documents:read', rateClass: 'read' },
      schema: {
        tags: ['documents'],
        operationId: 'documents.chunks.list',
        summary:
          "A ready document's chunks (the passages search indexes): text, heading path, pages, offsets, word counts",
        params: IdParams,
        querystring: ChunksQuery,
        response: {
          200: ChunksAnswer,
          404: problemResponse('No such document'),
          409: problemResponse('The document is not ready (CONFLICT)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request) => {
      const {
        strategy,
        max_tokens,
        overlap,
        limit = CHUNK_LIMITS.defaultLimit,
        cursor,
      } = request.query;
      const from = decodeOrdinal(cursor);
      const { chunks, chunking, indexed } = await documents.queries.chunks(
        tenantOf(request),
        request.params.id,
        {
          ...(strategy === undefined ? {} : { strategy }),
          ...(max_tokens === undefined ? {} : { maxTokens: max_tokens }),
          ...(overlap === undefined ? {} : { overlap }),
        },
      );
      const page = chunks.slice(from, from + limit);
      return {
        data: page.map((chunk) => ({
          id: indexed ? chunk.id : null,
          ordinal: chunk.ordinal,
          text: chunk.text,
          heading_path: chunk.heading_path,
          page: chunk.page,
          page_end: Math.max(chunk.page, chunk.page_end),
          start: chunk.start,
          end: chunk.end,
          token_count: chunk.word_count,
          navigation: chunk.navigation,
        })),
        next_cursor: from + limit < chunks.length ? encodeOrdinal(from + limit) : null,
        meta: {
          strategy: chunking.strategy,
          max_tokens: chunking.maxTokens,
          overlap: chunking.overlap,
          indexed,
          total: chunks.length,
        },
      };
    },
  );
}
