/**
 * POST /v1/rerank (Cohere/Jina-compatible, plus a /v2/rerank alias for Cohere's v2 SDK client,
 * which posts there) and POST /v1/similarity. Thin: the body is validated by its schema, the
 * total size is checked here before any work (413), and RerankService does the scoring. This
 * plugin builds the service with what the app hands it — the optional semantic model, its
 * deadline, BM25's parameters — plus the worker pool big lexical requests run in and the
 * `rerank_degraded_total{reason}` counter on the app's registry.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Static } from 'typebox';
import type { RerankInput, RerankMethod, RerankService, ScoringMeta } from '../../domain/rerank.js';
import { AppError, invalidField } from '../../errors.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import {
  RERANK_LIMITS,
  RerankBody,
  RerankResponse,
  SimilarityBody,
  TeiRerankBody,
  TeiRerankResponse,
  SimilarityResponse,
} from '../schemas/rerank.js';
import type { TypedApp } from '../typed-app.js';

export interface RerankRoutesOptions {
  /** Built in app.ts, shared with search's rerank step. */
  service: RerankService;
}

const SEARCH = { scope: 'search', rateClass: 'search' } as const;
// JSON of 5 M characters: up to 3 bytes each in UTF-8, plus the syntax around them. Bigger
// bodies are refused (413) as their Content-Length arrives, before they are read or parsed.
const BODY_LIMIT = 3 * RERANK_LIMITS.maxTotalChars + 1024 * 1024;

/**
 * Each text's length (400 with its path) and the total (413), before any work. `path(i)` names
 * text i in the body.
 */
function checkSizes(first: string, texts: readonly string[], path: (i: number) => string): void {
  let total = first.length;
  for (let i = 0; i < texts.length; i++) {
    const length = texts[i]?.length ?? 0;
    if (length > RERANK_LIMITS.maxDocumentChars) {
      const message = `must NOT have more than ${RERANK_LIMITS.maxDocumentChars} characters`;
      throw new AppError('VALIDATION_FAILED', `${path(i)} ${message}`, {
        errors: [{ path: path(i), message }],
      });
    }
    total += length;
  }
  if (total > RERANK_LIMITS.maxTotalChars) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `The texts total ${total} characters; at most ${RERANK_LIMITS.maxTotalChars} are accepted per request`,
    );
  }
}

const tags = ['rerank'];
const errors = {
  ...AUTHENTICATED_ERRORS,
  400: problemResponse(
    'Invalid request (VALIDATION_FAILED), or a `model` this server does not take (UNKNOWN_MODEL)',
  ),
  413: problemResponse('The texts are over the total limit (PAYLOAD_TOO_LARGE)'),
  503: problemResponse('`semantic` without a working model (MODEL_UNAVAILABLE), or OVERLOADED'),
};

/** The model the client named, echoed in `meta` (the service picks what actually scores). */
function requested(model: string | undefined): Partial<ScoringMeta> & { requested_model?: string } {
  return model === undefined ? {} : { requested_model: model };
}

/**
 * The method to score with: the one `model` names (400 UNKNOWN_MODEL for a name the server does
 * not take), else `method`; 400 when both are sent and disagree.
 */
function methodOf(
  service: RerankService,
  model: string | undefined,
  method: RerankMethod | undefined,
): RerankMethod | undefined {
  const named = service.methodOfModel(model);
  if (named === undefined) return method;
  if (method !== undefined && method !== named) {
    throw invalidField('/body/method', `must be "${named}" (or absent) with model "${model}"`);
  }
  return named;
}

/** The rerank body as RerankService takes it: 400 when top_n and top_k differ, 413 when big. */
function rerankRequest(service: RerankService, body: Static<typeof RerankBody>): RerankInput {
  if (body.top_n !== undefined && body.top_k !== undefined && body.top_n !== body.top_k) {
    throw new AppError('VALIDATION_FAILED', 'top_n and top_k differ', {
      errors: [{ path: '/body/top_k', message: 'must equal top_n when both are sent' }],
    });
  }
  const documents = body.documents.map((document) =>
    typeof document === 'string' ? document : document.text,
  );
  checkSizes(body.query, documents, (i) =>
    typeof body.documents[i] === 'string' ? `/body/documents/${i}` : `/body/documents/${i}/text`,
  );
  const topN = body.top_n ?? body.top_k;
  const method = methodOf(service, body.model, body.method);
  return {
    query: body.query,
    documents,
    returnDocuments: body.return_documents ?? false,
    ...(topN === undefined ? {} : { topN }),
    ...(method === undefined ? {} : { method }),
  };
}

/** POST /v1/rerank, or its /v2/rerank alias (`version` says which, in `meta.api_version`). */
function postRerank(
  app: TypedApp,
  { service }: RerankRoutesOptions,
  url: string,
  version: '1' | '2',
): void {
  app.post(
    url,
    {
      config: SEARCH,
      bodyLimit: BODY_LIMIT,
      schema: {
        operationId: version === '1' ? 'rerank.create' : 'rerank.createV2',
        tags,
        summary:
          version === '1'
            ? 'Rerank documents by relevance to a query (Cohere/Jina-compatible)'
            : 'The same as POST /v1/rerank, where Cohere’s v2 SDK client posts',
        body: {
          ...RerankBody,
          examples: [
            {
              query: 'What is the capital of France?',
              documents: ['Paris is the capital of France.', 'Berlin is in Germany.'],
              top_n: 1,
            },
          ],
        },
        response: { 200: RerankResponse, ...errors },
      },
    },
    async (request) => {
      const outcome = await service.rerank(rerankRequest(service, request.body));
      return {
        id: randomUUID(),
        results: outcome.results,
        meta: {
          ...outcome.meta,
          ...requested(request.body.model),
          api_version: { version },
          billed_units: { search_units: 1 },
        },
      };
    },
  );
}

/** POST /v1/similarity. */
function postSimilarity(app: TypedApp, { service }: RerankRoutesOptions): void {
  app.post(
    '/v1/similarity',
    {
      config: SEARCH,
      bodyLimit: BODY_LIMIT,
      schema: {
        operationId: 'similarity.create',
        tags,
        summary: 'Score how similar each target text is to a source text',
        body: SimilarityBody,
        response: { 200: SimilarityResponse, ...errors },
      },
    },
    async (request) => {
      const { source, targets, model } = request.body;
      checkSizes(source, targets, (i) => `/body/targets/${i}`);
      const method = methodOf(service, model, request.body.method);
      const outcome = await service.similarity(source, targets, method);
      return { scores: outcome.scores, meta: { ...outcome.meta, ...requested(model) } };
    },
  );
}

/**
 * POST /rerank: the shape of Hugging Face text-embeddings-inference (TEI) and the clients written
 * for it — `{query, texts, return_text, raw_scores, truncate}` in, `[{index, score, text?}]` out,
 * every text scored, best first — with the auth, scope and rate limit of /v1/rerank.
 */
function postTeiRerank(app: TypedApp, { service }: RerankRoutesOptions): void {
  app.post(
    '/rerank',
    {
      config: SEARCH,
      bodyLimit: BODY_LIMIT,
      schema: {
        tags,
        operationId: 'rerank.createTei',
        summary: 'Rerank texts, in the shape of text-embeddings-inference’s POST /rerank',
        body: TeiRerankBody,
        response: { 200: TeiRerankResponse, ...errors },
      },
    },
    async (request) => {
      const { query, texts } = request.body;
      checkSizes(query, texts, (i) => `/body/texts/${i}`);
      const returnText = request.body.return_text ?? false;
      const outcome = await service.rerank({
        query,
        documents: texts,
        returnDocuments: false,
        raw: request.body.raw_scores ?? false,
      });
      return outcome.results.map(({ index, relevance_score }) => ({
        index,
        score: relevance_score,
        ...(returnText ? { text: texts[index] ?? '' } : {}),
      }));
    },
  );
}

export async function rerankRoutes(
  plain: FastifyInstance,
  options: RerankRoutesOptions,
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  postRerank(app, options, '/v1/rerank', '1');
  postRerank(app, options, '/v2/rerank', '2');
  postSimilarity(app, options);
  postTeiRerank(app, options);
}
