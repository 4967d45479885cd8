/**
 * What extraction made of a document — its text, Markdown or pages as JSON, streamed page by page
 * with a strong ETag — and a way to extract it again (e.g. with the PDF's password).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { DocumentServices } from '../../domain/documents/index.js';
import { AppError } from '../../errors.js';
import type { DocumentRecord } from '../../ports/document-store.js';
import { CONTENT_TYPES, renderContent } from '../content-format.js';
import { etagMatches } from '../byte-range.js';
import { actorOf, tenantOf } from '../caller.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import { IdParams } from '../schemas/documents.js';
import { ContentQuery, JobAccepted, ReprocessBody } from '../schemas/jobs.js';
import type { TypedApp } from '../typed-app.js';
import { jobView } from '../views/jobs.js';

export interface ContentRoutesOptions {
  documents: Pick<DocumentServices, 'queries' | 'ingest'>;
  /** Rewrites page text for `redact=pii`. */
  redact: (text: string) => string;
}

/** More selected pages than this is a 400 (ranges are expanded before the query). */
export const MAX_SELECTED_PAGES = 10_000;
const tags = ['documents'];

/** `1-3,7` → [1, 2, 3, 7]; throws a 400 naming the parameter when it is not a valid selection. */
export function parsePageSelection(selection: string): number[] {
  const numbers = new Set<number>();
  for (const part of selection.split(',')) {
    const [first, last = first] = part.split('-').map(Number) as [number, number?];
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 1 || last < first) {
      throw new AppError('VALIDATION_FAILED', `pages: "${part}" is not a page or range`, {
        errors: [{ path: '/querystring/pages', message: `"${part}" is not a page or range` }],
      });
    }
    if (last - first + 1 + numbers.size > MAX_SELECTED_PAGES) {
      throw new AppError('VALIDATION_FAILED', `pages selects more than ${MAX_SELECTED_PAGES}`, {
        errors: [
          { path: '/querystring/pages', message: `selects more than ${MAX_SELECTED_PAGES} pages` },
        ],
      });
    }
    for (let page = first; page <= last; page++) numbers.add(page);
  }
  return [...numbers].sort((a, b) => a - b);
}

/**
 * Every selected page must exist: `pages=500` of a 113-page document is a 416 naming the page
 * count, not an empty 200 (the selection is well formed, the document just does not have it).
 */
function checkPagesExist(selected: number[], pageCount: number | null): void {
  const last = selected.at(-1);
  if (pageCount === null || last === undefined || last <= pageCount) return;
  const message = `selects page ${last}; the document has ${pageCount} page${pageCount === 1 ? '' : 's'}`;
  throw new AppError('RANGE_NOT_SATISFIABLE', `pages ${message}`, {
    errors: [{ path: '/querystring/pages', message }],
  });
}

function contentMetadata(document: DocumentRecord): Record<string, unknown> {
  return {
    document_id: document.id,
    title: document.title,
    media_type: document.media_type,
    page_count: document.page_count,
    ...document.extracted,
  };
}

/**
 * A strong ETag of the document's version and the query that shapes its view: the content changes
 * only when the document does (a new extraction updates it).
 */
function contentEtag(document: DocumentRecord, ...view: unknown[]): string {
  return `"${createHash('sha256')
    .update(JSON.stringify([document.id, document.updated_at, ...view]))
    .digest('base64url')
    .slice(0, 32)}"`;
}

/** GET /v1/documents/:id/content: text, Markdown or JSON pages, streamed. */
function getContent(app: TypedApp, options: ContentRoutesOptions): void {
  const { queries } = options.documents;
  app.get(
    '/v1/documents/:id/content',
    {
      config: { scope: 'documents:read', rateClass: 'read' },
      schema: {
        operationId: 'documents.content.get',
        tags,
        summary:
          'Extracted content as text (pages separated by form feeds), Markdown or JSON `{pages, metadata}`; streamed, with an ETag',
        params: IdParams,
        querystring: ContentQuery,
        response: {
          200: {
            description: 'The content',
            content: {
              'text/plain': { schema: { type: 'string' } },
              'text/markdown': { schema: { type: 'string' } },
              'application/json': { schema: { type: 'object' } },
            },
          },
          404: problemResponse('No such document'),
          409: problemResponse('The document is not ready (CONFLICT)'),
          416: problemResponse('`pages` selects a page past the last (RANGE_NOT_SATISFIABLE)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const { format = 'text', pages, redact } = request.query;
      const selected = pages === undefined ? undefined : parsePageSelection(pages);
      const document = await queries.readyDocument(tenantId, request.params.id);
      if (selected !== undefined) checkPagesExist(selected, document.page_count);
      const etag = contentEtag(document, format, pages, redact);
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
      const rewrite = redact === 'pii' ? options.redact : (text: string) => text;
      const body = renderContent(
        format,
        queries.pages(tenantId, document.id, selected),
        contentMetadata(document),
        rewrite,
      );
      return reply.type(CONTENT_TYPES[format]).send(Readable.from(body));
    },
  );
}

/** POST /v1/documents/:id/reprocess: extract again, e.g. with the PDF's password. */
function postReprocess(app: TypedApp, options: ContentRoutesOptions): void {
  const { ingest } = options.documents;
  app.post(
    '/v1/documents/:id/reprocess',
    {
      config: { scope: 'documents:write', rateClass: 'write', idempotent: true },
      schema: {
        operationId: 'documents.reprocess',
        tags,
        summary: 'Extract the document again (optionally with the password of an encrypted PDF)',
        params: IdParams,
        body: ReprocessBody,
        response: {
          202: JobAccepted,
          404: problemResponse('No such document'),
          409: problemResponse('Not fetched yet, or already being processed (CONFLICT)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const job = await ingest.reprocess(
        tenantOf(request),
        request.params.id,
        request.body?.password,
        actorOf(request),
      );
      return reply.code(202).send({ job: jobView(job) });
    },
  );
}

export async function contentRoutes(
  plain: FastifyInstance,
  options: ContentRoutesOptions,
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  getContent(app, options);
  postReprocess(app, options);
}
