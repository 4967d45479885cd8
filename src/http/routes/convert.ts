/**
 * `POST /v1/convert?to=text|markdown|json`: a file in — multipart `file` or `files` (an optional
 * `password` field before it; one file per request, a second is a 400) or the raw body with its Content-Type — its extracted content out, through the
 * extraction worker pool; nothing is stored.
 */
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import { Type } from 'typebox';
import type { ConversionService } from '../../domain/conversions.js';
import { sanitizeFilename } from '../../domain/filenames.js';
import { AppError, invalidField } from '../../errors.js';
import { CONTENT_FORMATS, CONTENT_TYPES, renderContent } from '../content-format.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';

export interface ConvertRoutesOptions {
  conversions: ConversionService;
}

const ConvertQuery = Type.Object(
  {
    to: Type.Optional(Type.Enum(CONTENT_FORMATS, { default: 'text' })),
    filename: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'Raw bodies: a name whose extension helps type detection (e.g. `notes.md`)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The multipart form, for the OpenAPI document (the route streams and checks it itself). */
const ConvertForm = Type.Object(
  {
    password: Type.Optional(
      Type.String({
        format: 'password',
        description: 'Opens an encrypted PDF or Office file; must come before `file`',
      }),
    ),
    file: Type.String({
      format: 'binary',
      contentMediaType: 'application/octet-stream',
      description: 'The file; the part may also be named `files`, one file per request',
    }),
  },
  { additionalProperties: false },
);
const RAW_FILE = { type: 'string', format: 'binary', description: 'The file itself' };

/** A name for a raw body, so type detection can use its declared Content-Type. */
const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'text/html': '.html',
  'text/markdown': '.md',
  'text/csv': '.csv',
  'application/json': '.json',
  'text/plain': '.txt',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': '.pptx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
  'application/vnd.oasis.opendocument.text': '.odt',
  'application/vnd.oasis.opendocument.spreadsheet': '.ods',
  'application/vnd.oasis.opendocument.presentation': '.odp',
  'application/epub+zip': '.epub',
  'message/rfc822': '.eml',
  'application/rtf': '.rtf',
  'text/rtf': '.rtf',
  'application/msword': '.doc',
  'application/vnd.ms-excel': '.xls',
  'application/vnd.ms-powerpoint': '.ppt',
};

interface Source {
  stream: Readable;
  filename: string;
  password?: string;
  /** After the file is read: the rest of the form, refused if it holds another file. */
  rest?: () => Promise<void>;
}

/** The file part's names: `file`, or `files` as docling, Unstructured and Gotenberg call it. */
const FILE_FIELDS = new Set(['file', 'files']);
const ONE_FILE = 'must be one file per request (one part named "file" or "files")';

/** A second file part, seen by the parser's `files: 1` limit or by us: a 400. */
function secondFile(error: unknown): never {
  if ((error as { code?: string }).code === 'FST_FILES_LIMIT') {
    throw invalidField('/body/file', ONE_FILE);
  }
  throw error;
}

async function multipartSource(request: FastifyRequest): Promise<Source> {
  let password: string | undefined;
  const parts = (request.parts() as AsyncIterable<Multipart>)[Symbol.asyncIterator]();
  for (;;) {
    const next = await parts.next();
    if (next.done === true) break;
    const part = next.value;
    if (part.type === 'file') {
      if (!FILE_FIELDS.has(part.fieldname)) {
        part.file.resume();
        throw invalidField('/body/file', 'the file part must be named "file" (or "files")');
      }
      const file = part as MultipartFile;
      const rest = async (): Promise<void> => {
        for (;;) {
          const after = await parts.next().catch(secondFile);
          if (after.done === true) return;
          if (after.value.type === 'file') {
            after.value.file.resume();
            throw invalidField('/body/file', ONE_FILE);
          }
        }
      };
      return {
        stream: file.file,
        filename: sanitizeFilename(file.filename, 'upload'),
        rest,
        ...(password === undefined ? {} : { password }),
      };
    }
    if (part.fieldname !== 'password')
      throw invalidField(`/body/${part.fieldname}`, 'is not a known field');
    password = String(part.value);
  }
  throw invalidField('/body/file', 'is required');
}

export async function convertRoutes(
  plain: FastifyInstance,
  options: ConvertRoutesOptions,
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  // Raw bodies of any type reach the route as a stream; the conversion caps their size.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post(
    '/v1/convert',
    {
      config: { scope: 'documents:read', rateClass: 'upload' },
      schema: {
        operationId: 'convert.document',
        tags: ['convert'],
        summary:
          'Convert a file (PDF, DOCX, HTML, Markdown, text, CSV, JSON, e-mail, RTF, images with OCR, legacy Office with LibreOffice) to text, Markdown or JSON; nothing is stored',
        description:
          'The file is either a multipart form (part `file`, after an optional `password` part) or ' +
          'the raw body, whose Content-Type (any document type; `application/octet-stream` when ' +
          'unknown, then `?filename=` helps detection) names its format.',
        querystring: ConvertQuery,
        body: {
          content: {
            'multipart/form-data': { schema: ConvertForm },
            'application/octet-stream': { schema: RAW_FILE },
            'application/pdf': { schema: RAW_FILE },
          },
        },
        response: {
          200: {
            description: 'The converted content, as GET /v1/documents/{id}/content renders it',
            content: {
              'text/plain': { schema: { type: 'string' } },
              'text/markdown': { schema: { type: 'string' } },
              'application/json': { schema: { type: 'object' } },
            },
          },
          413: problemResponse('Over QUIRE_MAX_UPLOAD_BYTES (PAYLOAD_TOO_LARGE)'),
          415: problemResponse('Not a supported format (UNSUPPORTED_MEDIA_TYPE)'),
          422: problemResponse(
            'Corrupt or encrypted, or an image while OCR is off (UNPROCESSABLE_DOCUMENT, DOCUMENT_ENCRYPTED, OCR_REQUIRED)',
          ),
          504: problemResponse('Extraction overran its time (TIMEOUT)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { to = 'text', filename } = request.query;
      // A declared length over the cap is refused before a byte is read.
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > options.conversions.maxBytes + 64 * 1024) {
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `The file is over ${options.conversions.maxBytes} bytes`,
        );
      }
      let source: Source;
      if (request.isMultipart()) {
        source = await multipartSource(request);
      } else {
        if (!(request.body instanceof Readable)) throw invalidField('/body', 'a file is required');
        const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
        source = {
          stream: request.body,
          filename: sanitizeFilename(filename, `upload${EXTENSIONS[type ?? ''] ?? ''}`),
        };
      }
      const closed = new AbortController();
      request.raw.once('close', () => {
        if (!request.raw.complete) closed.abort(new Error('the client went away'));
      });
      const result = await options.conversions.convert(
        source.stream,
        source.filename,
        source.password,
        closed.signal,
      );
      await source.rest?.();
      const metadata = {
        media_type: result.mediaType,
        page_count: result.pageCount,
        ...result.metadata,
        ...(result.needsOcr ? { needs_ocr: true } : {}),
        ...(result.truncated ? { truncated: true } : {}),
      };
      return reply
        .type(CONTENT_TYPES[to])
        .send(Readable.from(renderContent(to, result.pages, metadata)));
    },
  );
}
