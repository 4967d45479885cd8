/**
 * Documents: create (multipart upload, JSON URL, JSON text, batch), list, read, update, delete and
 * download. Routes parse and shape; the document services decide.
 */
import { hash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Static } from 'typebox';
import type { DocumentServices } from '../../domain/documents/index.js';
import type { Created } from '../../domain/documents/ingest.js';
import { sanitizeFilename } from '../../domain/filenames.js';
import { AppError, invalidField } from '../../errors.js';
import { FetchError, type Fetcher } from '../../ports/fetcher.js';
import { contentDisposition, etagMatches, ifRangeMatches, parseRange } from '../byte-range.js';
import { actorOf, tenantOf } from '../caller.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../cursor.js';
import {
  AUTHENTICATED_ERRORS,
  jsonResponse,
  problemResponse,
  RESPONSE_HEADERS,
} from '../schemas/common.js';
import {
  BatchBody,
  BatchResult,
  CreateBody,
  CreatedDocument,
  CreateQuery,
  DocumentList,
  DocumentView,
  IdParams,
  ListQuery,
  PatchBody,
  UploadForm,
} from '../schemas/documents.js';
import { checkMetadataSize, receiveUpload } from '../upload-form.js';
import { createdView, documentView } from '../views/documents.js';

export interface DocumentRoutesOptions {
  documents: Pick<DocumentServices, 'ingest' | 'edits' | 'queries' | 'downloads'>;
  fetcher: Pick<Fetcher, 'assertAllowed'>;
  maxTextBytes: number;
}

const READ = { scope: 'documents:read', rateClass: 'read' } as const;
const WRITE = { scope: 'documents:write', rateClass: 'write' } as const;
const UPLOAD = { scope: 'documents:write', rateClass: 'upload', idempotent: true } as const;
const tags = ['documents'];
const FILE_HEADERS = {
  ETag: RESPONSE_HEADERS.etag,
  'Accept-Ranges': RESPONSE_HEADERS.acceptRanges,
  'Content-Disposition': RESPONSE_HEADERS.contentDisposition,
};
type CreateBodyType = Static<typeof CreateBody>;
/** The app with TypeBox schemas typing each route's request. */
type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** 202 when a job started (a new document, or a failed one extracted again), else 200 (deduplicated). */
function sendCreated(reply: FastifyReply, created: Created): FastifyReply {
  if (created.job === null) return reply.code(200).send(createdView(created));
  return reply
    .code(202)
    .header('location', `/v1/documents/${created.document.id}`)
    .send(createdView(created));
}

/** A strong ETag of the bytes sent: the same representation, the same tag. */
function strongEtag(body: string): string {
  return `"${hash('sha256', body, 'base64url').slice(0, 32)}"`;
}

/** A document from the JSON form: {url} (fetched later) or {text}. */
async function createFromJson(
  options: DocumentRoutesOptions,
  request: FastifyRequest,
  body: CreateBodyType,
  dedupe: boolean,
): Promise<Created> {
  const { fetcher, maxTextBytes } = options;
  const { ingest } = options.documents;
  const tenantId = tenantOf(request);
  if ((body.url === undefined) === (body.text === undefined)) {
    throw invalidField('/body', 'must have exactly one of url or text');
  }
  checkMetadataSize(body.metadata, '/body/metadata');
  const meta = {
    tags: body.tags ?? [],
    metadata: body.metadata ?? {},
    ...(body.title ? { title: body.title } : {}),
  };
  if (body.url !== undefined) {
    try {
      fetcher.assertAllowed(body.url);
    } catch (error) {
      if (error instanceof FetchError)
        throw new AppError('URL_NOT_ALLOWED', error.message, { cause: error });
      throw error;
    }
    return ingest.createFromUrl(tenantId, body.url, body.headers ?? {}, meta, actorOf(request));
  }
  const bytes = Buffer.from(body.text ?? '', 'utf8');
  if (bytes.length > maxTextBytes)
    throw new AppError('PAYLOAD_TOO_LARGE', `text is over ${maxTextBytes} bytes`);
  const upload = await ingest.stage(Readable.from([bytes]));
  const filename = sanitizeFilename(body.filename, 'text.txt');
  return ingest.createFromStaged(
    tenantId,
    upload,
    { ...meta, filename },
    { type: 'text' },
    dedupe,
    actorOf(request),
  );
}

/** POST /v1/documents: a multipart upload, or the JSON form. */
function postDocument(app: TypedApp, options: DocumentRoutesOptions): void {
  const { maxTextBytes } = options;
  const { ingest } = options.documents;
  app.post(
    '/v1/documents',
    {
      config: UPLOAD,
      bodyLimit: Math.max(2 * maxTextBytes + 64 * 1024, 1024 * 1024),
      schema: {
        operationId: 'documents.create',
        tags,
        summary: 'Create a document: multipart upload (part "file"), JSON {url}, or JSON {text}',
        description:
          'multipart/form-data: one part named `file` or `files` (streamed; one file per request), optional text parts `title`, `tags` (comma list), ' +
          "`metadata` (a JSON object), `password`, `attachments` (`list` or `extract`: an e-mail's attachments as child documents). " +
          'application/json: exactly one of `url` or `text`. ' +
          'Answers 202 with the extraction job, or 200 when the same content is already stored ' +
          '(`deduplicated`). Honours `Idempotency-Key`; `?dedupe=false` skips content dedupe.',
        querystring: CreateQuery,
        body: {
          content: {
            'multipart/form-data': { schema: UploadForm },
            'application/json': { schema: CreateBody },
          },
        },
        response: {
          200: { ...CreatedDocument, description: 'The same content was already stored' },
          202: jsonResponse('Created; the extraction job is queued', CreatedDocument, {
            Location: RESPONSE_HEADERS.location,
          }),
          413: problemResponse('Over a size limit (PAYLOAD_TOO_LARGE)'),
          415: problemResponse(
            'Unsupported file type, or legacy Office without LibreOffice (UNSUPPORTED_MEDIA_TYPE)',
          ),
          422: problemResponse(
            'URL refused by the SSRF guard (URL_NOT_ALLOWED), or an image while OCR is off (OCR_REQUIRED)',
          ),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { dedupe } = request.query;
      if (request.isMultipart()) {
        const { upload, meta, attachments, digest } = await receiveUpload(request, ingest);
        // An Idempotency-Key is claimed (or replayed) now that the content is known.
        const answered = await request
          .idempotentUpload?.(reply, digest)
          .catch(async (error: unknown) => {
            await upload.staged.discard();
            throw error;
          });
        if (answered !== undefined) {
          await upload.staged.discard();
          return answered;
        }
        return sendCreated(
          reply,
          await ingest.createFromStaged(
            tenantOf(request),
            upload,
            attachments === 'extract'
              ? { ...meta, attachments: { attachments: 'extract', depth: 0, dedupe } }
              : meta,
            { type: 'upload' },
            dedupe,
            actorOf(request),
          ),
        );
      }
      return sendCreated(
        reply,
        await createFromJson(options, request, request.body as CreateBodyType, dedupe),
      );
    },
  );
}

/** POST /v1/documents/batch: up to 100 JSON forms, each answered for itself. */
function postBatch(app: TypedApp, options: DocumentRoutesOptions): void {
  const { maxTextBytes } = options;
  app.post(
    '/v1/documents/batch',
    {
      config: UPLOAD,
      bodyLimit: Math.max(2 * maxTextBytes + 64 * 1024, 1024 * 1024),
      schema: {
        operationId: 'documents.createBatch',
        tags,
        summary:
          'Create up to 100 documents from {url} or {text} items; each item answers for itself',
        querystring: CreateQuery,
        body: BatchBody,
        response: {
          202: BatchResult,
          413: problemResponse('Over a size limit (PAYLOAD_TOO_LARGE)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const results: Record<string, unknown>[] = [];
      for (const item of request.body.items) {
        try {
          const created = await createFromJson(options, request, item, request.query.dedupe);
          results.push(createdView(created));
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          results.push({ error: { status: error.status, code: error.code, detail: error.detail } });
        }
      }
      // Views are built by createdView (checked by the response schema on the way out).
      return (reply as FastifyReply).code(202).send({ results });
    },
  );
}

/** GET /v1/documents: a filtered, sorted page. */
function listDocuments(app: TypedApp, options: DocumentRoutesOptions): void {
  const { queries } = options.documents;
  app.get(
    '/v1/documents',
    {
      config: READ,
      schema: {
        operationId: 'documents.list',
        tags,
        summary: 'List documents',
        querystring: ListQuery,
        response: { 200: DocumentList, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => {
      const { limit, cursor, sort, tag, ...filter } = request.query;
      const after = decodeKeysetCursor(cursor, sort);
      const page = await queries.list(
        tenantOf(request),
        { ...filter, ...(tag === undefined ? {} : { tags: tag }) },
        sort,
        limit,
        after,
      );
      return {
        data: page.data.map(documentView),
        next_cursor: encodeKeysetCursor(sort, page.next),
      };
    },
  );
}

/** GET /v1/documents/:id, with a strong ETag. */
function getDocument(app: TypedApp, options: DocumentRoutesOptions): void {
  const { queries } = options.documents;
  app.get(
    '/v1/documents/:id',
    {
      config: READ,
      schema: {
        operationId: 'documents.get',
        tags,
        summary: 'Get a document (ETag; If-None-Match answers 304)',
        params: IdParams,
        response: {
          200: jsonResponse('The document', DocumentView, { ETag: RESPONSE_HEADERS.etag }),
          304: { type: 'null', description: 'Not modified (If-None-Match matched)' },
          404: problemResponse('No such document'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const view = documentView(await queries.get(tenantOf(request), request.params.id));
      // Serialized once, by the route's own 200 serializer, for both the tag and the body (a
      // string sent as JSON is not serialized again; fields the schema does not name stay out).
      const body = String(reply.serializeInput(view, '200', 'application/json'));
      const etag = strongEtag(body);
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (etagMatches(request.headers['if-none-match'], etag))
        return (reply as FastifyReply).code(304).send();
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(body);
    },
  );
}

/** PATCH /v1/documents/:id: title, tags or metadata. */
function patchDocument(app: TypedApp, options: DocumentRoutesOptions): void {
  const { edits } = options.documents;
  app.patch(
    '/v1/documents/:id',
    {
      config: WRITE,
      schema: {
        operationId: 'documents.update',
        tags,
        summary: 'Update title, tags or metadata',
        params: IdParams,
        body: PatchBody,
        response: {
          200: DocumentView,
          404: problemResponse('No such document'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request) => {
      checkMetadataSize(request.body.metadata, '/body/metadata');
      return documentView(await edits.update(tenantOf(request), request.params.id, request.body));
    },
  );
}

/** DELETE /v1/documents/:id. */
function deleteDocument(app: TypedApp, options: DocumentRoutesOptions): void {
  const { edits } = options.documents;
  app.delete(
    '/v1/documents/:id',
    {
      config: WRITE,
      schema: {
        operationId: 'documents.delete',
        tags,
        summary: 'Delete a document, its file (with its last reference), content and jobs',
        params: IdParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          404: problemResponse('No such document'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      await edits.delete(tenantOf(request), request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
}

/** GET /v1/documents/:id/file: the original bytes, whole or a Range. */
function getFile(app: TypedApp, options: DocumentRoutesOptions): void {
  const { downloads } = options.documents;
  app.get(
    '/v1/documents/:id/file',
    {
      config: READ,
      schema: {
        operationId: 'documents.file.get',
        tags,
        summary: 'The original bytes, streamed (Range with If-Range, ETag, Content-Disposition)',
        params: IdParams,
        response: {
          200: {
            description: 'The file, with its stored media type',
            headers: FILE_HEADERS,
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
          206: {
            description: 'Part of the file',
            headers: { ...FILE_HEADERS, 'Content-Range': RESPONSE_HEADERS.contentRange },
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
          304: { type: 'null', description: 'Not modified (If-None-Match matched)' },
          404: problemResponse('No such document'),
          409: problemResponse('The file is not fetched yet (CONFLICT)'),
          416: problemResponse('Range outside the file (RANGE_NOT_SATISFIABLE)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const document = await downloads.withFile(tenantOf(request), request.params.id);
      const etag = `"${document.sha256}"`;
      reply
        .header('etag', etag)
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, no-cache')
        .header('content-disposition', contentDisposition(document.filename ?? document.title))
        .header('x-content-type-options', 'nosniff');
      if (etagMatches(request.headers['if-none-match'], etag))
        return (reply as FastifyReply).code(304).send();
      const range = ifRangeMatches(request.headers['if-range'], etag)
        ? parseRange(request.headers.range, document.size_bytes)
        : null;
      const body = await downloads.openFile(document, range ?? undefined);
      reply.type(document.media_type ?? 'application/octet-stream');
      if (range === null)
        return reply.header('content-length', String(document.size_bytes)).send(body);
      return reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${document.size_bytes}`)
        .header('content-length', String(range.end - range.start + 1))
        .send(body);
    },
  );
}

export async function documentRoutes(
  plain: FastifyInstance,
  options: DocumentRoutesOptions,
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  postDocument(app, options);
  postBatch(app, options);
  listDocuments(app, options);
  getDocument(app, options);
  patchDocument(app, options);
  deleteDocument(app, options);
  getFile(app, options);
}
