/**
 * POST /v1/search: passage search over the caller's tenant's ready documents. Scope `search`,
 * rate class `search`. Thin: the schema bounds the request, SearchService does the rest.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { SearchService } from '../../domain/search.js';
import { tenantOf } from '../caller.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import { SearchAnswer, SearchBody } from '../schemas/search.js';

export interface SearchRoutesOptions {
  search: SearchService;
}

const SEARCH = { scope: 'search', rateClass: 'search' } as const;

export async function searchRoutes(
  plain: FastifyInstance,
  { search }: SearchRoutesOptions,
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/v1/search',
    {
      config: SEARCH,
      schema: {
        operationId: 'search.query',
        tags: ['search'],
        summary: "Find passages of the tenant's ready documents",
        body: {
          ...SearchBody,
          examples: [
            { query: 'termination notice period', limit: 5, filters: { tags: ['contracts'] } },
            { query: '"notice period" terminat* -draft title:lease', strict: true },
          ],
        },
        response: {
          200: SearchAnswer,
          ...AUTHENTICATED_ERRORS,
          409: problemResponse('Search is turned off on this server (SEARCH_DISABLED)'),
        },
      },
    },
    async (request) => search.search(tenantOf(request), request.body),
  );
}
