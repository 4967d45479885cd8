/**
 * Documents: create (multipart upload, JSON URL, JSON text, batch), list, read, update, delete and
 * download. Routes parse and shape; DocumentService decides.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { Created, DocumentService, IngestMeta, StagedUpload } from '../../domain/documents.js';
import { sanitizeFilename } from '../../domain/filenames.js';
import { AppError, type FieldError } from '../../errors.js';
import type { DocumentRecord } from '../../ports/document-store.js';
import type { JobRecord } from '../../ports/job-store.js';
import { FetchError, type Fetcher } from '../../ports/fetcher.js';
import type { Static } from 'typebox';
import { contentDisposition, etagMatches, parseRange } from '../byte-range.js';
import { actorOf, tenantOf } from '../caller.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../cursor.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import type { JobView } from '../schemas/documents.js';
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
  MAX_METADATA_BYTES,
  MAX_TAGS,
  PatchBody,
} from '../schemas/documents.js';

export interface DocumentRoutesOptions {
  documents: DocumentService;
  fetcher: Pick<Fetcher, 'assertAllowed'>;
  maxTextBytes: number;
}

const READ = { scope: 'documents:read', rateClass: 'read' } as const;
const WRITE = { scope: 'documents:write', rateClass: 'write' } as const;
const UPLOAD = { scope: 'documents:write', rateClass: 'upload', idempotent: true } as const;
/** QUIRE_MULTIPART_FIELD_BYTES's default, for the 413's detail; app.ts sets the real limit. */
const MULTIPART_FIELD_BYTES = 64 * 1024;
type CreateBodyType = Static<typeof CreateBody>;

export function documentView(document: DocumentRecord): Record<string, unknown> {
  const { tenant_id: _tenant, error, ...rest } = document;
  return error === null ? rest : { ...rest, error };
}

/** A job as clients see it (no tenant, payload or request id). */
export function jobView(job: JobRecord): Static<typeof JobView>;
export function jobView(job: JobRecord | null): Static<typeof JobView> | null;
export function jobView(job: JobRecord | null): Static<typeof JobView> | null {
  if (job === null) return null;
  const {
    tenant_id: _tenant,
    payload: _payload,
    request_id: _request,
    error,
    started_at,
    finished_at,
    next_attempt_at,
    ...rest
  } = job;
  return {
    ...rest,
    ...(error === null ? {} : { error }),
    ...(started_at === null ? {} : { started_at }),
    ...(finished_at === null ? {} : { finished_at }),
    ...(job.status === 'queued' ? { next_attempt_at } : {}),
  };
}

function invalid(path: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${path} ${message}`, { errors: [{ path, message }] });
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((character) => (character.codePointAt(0) ?? 0) < 0x20);
}

function checkMetadataSize(metadata: Record<string, unknown> | undefined, path: string): void {
  if (metadata !== undefined && Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    throw invalid(path, `must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
  }
}

/** The multipart text fields, validated as the JSON forms are. */
function metaFromFields(fields: Map<string, string>, filename: string): IngestMeta {
  const errors: FieldError[] = [];
  const tags = (fields.get('tags') ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  if (tags.length > MAX_TAGS)
    errors.push({ path: '/body/tags', message: `must have at most ${MAX_TAGS} tags` });
  if (tags.some((tag) => tag.length > 64 || hasControlCharacter(tag))) {
    errors.push({ path: '/body/tags', message: 'each tag must be 1-64 printable characters' });
  }
  let metadata: Record<string, unknown> = {};
  const rawMetadata = fields.get('metadata');
  if (rawMetadata !== undefined) {
    try {
      const parsed: unknown = JSON.parse(rawMetadata);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      metadata = parsed as Record<string, unknown>;
      if (Buffer.byteLength(rawMetadata) > MAX_METADATA_BYTES) {
        errors.push({
          path: '/body/metadata',
          message: `must be at most ${MAX_METADATA_BYTES} bytes of JSON`,
        });
      }
    } catch {
      errors.push({ path: '/body/metadata', message: 'must be a JSON object' });
    }
  }
  const title = fields.get('title');
  if (title !== undefined && (title.length === 0 || title.length > 500)) {
    errors.push({ path: '/body/title', message: 'must be 1-500 characters' });
  }
  if (errors.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      errors.map((e) => `${e.path} ${e.message}`).join('; '),
      { errors },
    );
  }
  const password = fields.get('password');
  return {
    tags: [...new Set(tags)],
    metadata,
    filename,
    ...(title === undefined ? {} : { title }),
    ...(password === undefined || password === '' ? {} : { password }),
  };
}

const KNOWN_FIELDS = new Set(['tags', 'metadata', 'title', 'password']);

function multipartError(error: unknown): AppError | null {
  const code = (error as { code?: string }).code;
  if (code === 'FST_FILES_LIMIT') return invalid('/body/file', 'must be sent exactly once');
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
    return invalid('/body', 'has too many parts');
  if (code === 'FST_REQ_FILE_TOO_LARGE')
    return new AppError('PAYLOAD_TOO_LARGE', 'The file is over the upload limit');
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || code === 'FST_NO_FORM_DATA') {
    return invalid('/body', 'is not valid multipart/form-data');
  }
  return null;
}

async function receiveUpload(
  request: FastifyRequest,
  documents: DocumentService,
): Promise<{ upload: StagedUpload; meta: IngestMeta }> {
  const fields = new Map<string, string>();
  let upload: StagedUpload | undefined;
  let filename = '';
  try {
    for await (const part of request.parts() as AsyncIterable<Multipart>) {
      if (part.type === 'file') {
        const file = part as MultipartFile;
        if (file.fieldname !== 'file' || upload !== undefined) {
          file.file.resume();
          throw invalid('/body/file', 'must be sent exactly once, as the part named "file"');
        }
        filename = sanitizeFilename(file.filename);
        upload = await documents.stage(file.file);
        if (file.file.truncated)
          throw new AppError('PAYLOAD_TOO_LARGE', 'The file is over the upload limit');
        continue;
      }
      if (!KNOWN_FIELDS.has(part.fieldname))
        throw invalid(`/body/${part.fieldname}`, 'is not a known field');
      if (part.valueTruncated) {
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `Field ${part.fieldname} is over ${MULTIPART_FIELD_BYTES} bytes`,
        );
      }
      if (fields.has(part.fieldname)) throw invalid(`/body/${part.fieldname}`, 'must be sent once');
      fields.set(part.fieldname, String(part.value));
    }
    if (upload === undefined) throw invalid('/body/file', 'is required');
    return { upload, meta: metaFromFields(fields, filename) };
  } catch (error) {
    await upload?.staged.discard();
    throw multipartError(error) ?? error;
  }
}

function sendCreated(reply: FastifyReply, created: Created): FastifyReply {
  const body = { document: documentView(created.document), job: jobView(created.job) };
  if (created.deduplicated) return reply.code(200).send({ ...body, deduplicated: true });
  return reply.code(202).header('location', `/v1/documents/${created.document.id}`).send(body);
}

function strongEtag(value: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 32)}"`;
}

export async function documentRoutes(
  plain: FastifyInstance,
  options: DocumentRoutesOptions,
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { documents, fetcher, maxTextBytes } = options;
  const tags = ['documents'];

  async function createFromJson(
    request: FastifyRequest,
    body: CreateBodyType,
    dedupe: boolean,
  ): Promise<Created> {
    const tenantId = tenantOf(request);
    if ((body.url === undefined) === (body.text === undefined)) {
      throw invalid('/body', 'must have exactly one of url or text');
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
      return documents.createFromUrl(
        tenantId,
        body.url,
        body.headers ?? {},
        meta,
        actorOf(request),
      );
    }
    const bytes = Buffer.from(body.text ?? '', 'utf8');
    if (bytes.length > maxTextBytes)
      throw new AppError('PAYLOAD_TOO_LARGE', `text is over ${maxTextBytes} bytes`);
    const upload = await documents.stage(Readable.from([bytes]));
    const filename = sanitizeFilename(body.filename, 'text.txt');
    return documents.ingest(
      tenantId,
      upload,
      { ...meta, filename },
      { type: 'text' },
      dedupe,
      actorOf(request),
    );
  }

  app.post(
    '/v1/documents',
    {
      config: UPLOAD,
      bodyLimit: Math.max(2 * maxTextBytes + 64 * 1024, 1024 * 1024),
      schema: {
        tags,
        summary: 'Create a document: multipart upload (part "file"), JSON {url}, or JSON {text}',
        description:
          'multipart/form-data: one part named `file` (streamed), optional text parts `title`, `tags` (comma list), ' +
          '`metadata` (a JSON object), `password`. application/json: exactly one of `url` or `text` (schema below). ' +
          'Honours `Idempotency-Key`; `?dedupe=false` skips content dedupe.',
        querystring: CreateQuery,
        body: {
          content: {
            'application/json': { schema: CreateBody },
          },
        },
        response: {
          200: CreatedDocument,
          202: CreatedDocument,
          413: problemResponse('Over a size limit (PAYLOAD_TOO_LARGE)'),
          415: problemResponse('Unsupported file type (UNSUPPORTED_MEDIA_TYPE)'),
          422: problemResponse('URL refused by the SSRF guard (URL_NOT_ALLOWED)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { dedupe } = request.query;
      if (request.isMultipart()) {
        const { upload, meta } = await receiveUpload(request, documents);
        return sendCreated(
          reply,
          await documents.ingest(
            tenantOf(request),
            upload,
            meta,
            { type: 'upload' },
            dedupe,
            actorOf(request),
          ),
        );
      }
      return sendCreated(
        reply,
        await createFromJson(request, request.body as CreateBodyType, dedupe),
      );
    },
  );

  app.post(
    '/v1/documents/batch',
    {
      config: UPLOAD,
      bodyLimit: Math.max(2 * maxTextBytes + 64 * 1024, 1024 * 1024),
      schema: {
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
          const created = await createFromJson(request, item, request.query.dedupe);
          results.push({
            document: documentView(created.document),
            job: jobView(created.job),
            ...(created.deduplicated ? { deduplicated: true } : {}),
          });
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          results.push({ error: { status: error.status, code: error.code, detail: error.detail } });
        }
      }
      // Views are built by documentView/jobView (checked by the response schema on the way out).
      return (reply as FastifyReply).code(202).send({ results });
    },
  );

  app.get(
    '/v1/documents',
    {
      config: READ,
      schema: {
        tags,
        summary: 'List documents',
        querystring: ListQuery,
        response: { 200: DocumentList, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => {
      const { limit, cursor, sort, tag, ...filter } = request.query;
      const after = decodeKeysetCursor(cursor, sort);
      const page = await documents.list(
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

  app.get(
    '/v1/documents/:id',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Get a document (ETag; If-None-Match answers 304)',
        params: IdParams,
        response: {
          200: DocumentView,
          404: problemResponse('No such document'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const view = documentView(await documents.get(tenantOf(request), request.params.id));
      const etag = strongEtag(view);
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return view;
    },
  );

  app.patch(
    '/v1/documents/:id',
    {
      config: WRITE,
      schema: {
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
      return documentView(
        await documents.update(tenantOf(request), request.params.id, request.body),
      );
    },
  );

  app.delete(
    '/v1/documents/:id',
    {
      config: WRITE,
      schema: {
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
      await documents.delete(tenantOf(request), request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/documents/:id/file',
    {
      config: READ,
      schema: {
        tags,
        summary: 'The original bytes, streamed (Range, ETag, Content-Disposition)',
        params: IdParams,
        response: {
          200: {
            description: 'The file',
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
          206: {
            description: 'Part of the file',
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
          404: problemResponse('No such document'),
          409: problemResponse('The file is not fetched yet (CONFLICT)'),
          416: problemResponse('Range outside the file (RANGE_NOT_SATISFIABLE)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const document = await documents.withFile(tenantOf(request), request.params.id);
      const etag = `"${document.sha256}"`;
      reply
        .header('etag', etag)
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, no-cache')
        .header('content-disposition', contentDisposition(document.filename ?? document.title))
        .header('x-content-type-options', 'nosniff');
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
      const range = parseRange(request.headers.range, document.size_bytes);
      const body = await documents.openFile(document, range ?? undefined);
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
