import { Type } from 'typebox';
import { DOCUMENT_SORTS, DOCUMENT_STATUSES } from '../../ports/document-store.js';
import { JOB_STATUSES, JOB_TYPES } from '../../ports/job-store.js';
import { PageQuery } from './common.js';

export const MAX_TAGS = 50;
export const MAX_METADATA_BYTES = 16 * 1024;

export const Tag = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f,]+$' });
export const Tags = Type.Array(Tag, { maxItems: MAX_TAGS, uniqueItems: true });
export const Metadata = Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), {
  description: `A JSON object of at most ${MAX_METADATA_BYTES / 1024} KiB.`,
});
export const Title = Type.String({ minLength: 1, maxLength: 500 });

const common = {
  tags: Type.Optional(Tags),
  metadata: Type.Optional(Metadata),
  title: Type.Optional(Title),
};

/**
 * The JSON form of POST /v1/documents: exactly one of `url` or `text` (checked by the route; an
 * anyOf of two closed objects would let the validator strip one branch's fields while trying
 * the other).
 */
export const CreateBody = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    headers: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }),
        Type.String({ maxLength: 1024 }),
        {
          maxProperties: 20,
        },
      ),
    ),
    text: Type.Optional(Type.String({ minLength: 1 })),
    filename: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    ...common,
  },
  {
    additionalProperties: false,
    description: 'Exactly one of `url` (fetched by a job) or `text` (stored as a text document)',
    examples: [
      { url: 'https://example.org/report.pdf', tags: ['reports'] },
      { text: 'Meeting notes: ship on Friday.', title: 'Notes', metadata: { team: 'docs' } },
    ],
  },
);

/**
 * The multipart form of POST /v1/documents, for the OpenAPI document: the route streams it part
 * by part and checks each part itself (upload-form.ts), as this schema describes.
 */
export const UploadForm = Type.Object(
  {
    file: Type.String({
      format: 'binary',
      contentMediaType: 'application/octet-stream',
      description:
        'The document, streamed (its filename helps type detection); the part may also be named `files`, one file per request',
    }),
    title: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description: 'Defaults to the extracted title or filename',
      }),
    ),
    tags: Type.Optional(
      Type.String({
        maxLength: 64 * MAX_TAGS,
        description: `Comma-separated tags (at most ${MAX_TAGS}, each 1–64 characters)`,
        examples: ['contracts,2026'],
      }),
    ),
    metadata: Type.Optional(
      Type.String({
        contentMediaType: 'application/json',
        description: `A JSON object of at most ${MAX_METADATA_BYTES / 1024} KiB`,
        examples: ['{"customer":"acme"}'],
      }),
    ),
    password: Type.Optional(
      Type.String({ format: 'password', description: 'Opens an encrypted PDF or Office file' }),
    ),
    attachments: Type.Optional(
      Type.Union([Type.Literal('list'), Type.Literal('extract')], {
        default: 'list',
        description:
          'E-mail (message/rfc822) only: `list` its attachments in `extracted.attachments`, or also `extract` each (up to QUIRE_EMAIL_MAX_ATTACHMENTS) as a child document with `parent_id` set to the message',
      }),
    ),
  },
  { additionalProperties: false, description: 'One part named `file`, and optional text parts' },
);

export const CreateQuery = Type.Object(
  { dedupe: Type.Boolean({ default: true }) },
  { additionalProperties: false },
);

export const DocumentView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  status: Type.Union(DOCUMENT_STATUSES.map((s) => Type.Literal(s))),
  media_type: Type.Union([Type.String(), Type.Null()]),
  size_bytes: Type.Union([Type.Integer(), Type.Null()], {
    description: 'null while the document has no bytes (a URL document not fetched)',
  }),
  sha256: Type.Union([Type.String(), Type.Null()]),
  filename: Type.Union([Type.String(), Type.Null()]),
  page_count: Type.Union([Type.Integer(), Type.Null()]),
  tags: Type.Array(Type.String()),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  source: Type.Object({
    type: Type.Union([Type.Literal('upload'), Type.Literal('url'), Type.Literal('text')]),
    url: Type.Optional(Type.String()),
  }),
  extracted: Type.Object({
    title: Type.Optional(Type.String()),
    author: Type.Optional(Type.String()),
    created: Type.Optional(Type.String()),
    modified: Type.Optional(Type.String()),
    language: Type.Optional(Type.String()),
    subject: Type.Optional(Type.String()),
    keywords: Type.Optional(Type.String()),
    producer: Type.Optional(Type.String()),
    email: Type.Optional(
      Type.Object(
        {
          from: Type.Optional(Type.String()),
          to: Type.Optional(Type.String()),
          cc: Type.Optional(Type.String()),
          date: Type.Optional(Type.String()),
          message_id: Type.Optional(Type.String()),
        },
        { description: 'An e-mail’s headers (message/rfc822)' },
      ),
    ),
    attachments: Type.Optional(
      Type.Array(
        Type.Object({
          filename: Type.Union([Type.String(), Type.Null()]),
          media_type: Type.String(),
          size_bytes: Type.Integer(),
        }),
        {
          description:
            'An e-mail’s attachments, listed (with `attachments=extract` also made child documents)',
        },
      ),
    ),
    word_count: Type.Integer(),
    needs_ocr: Type.Optional(
      Type.Boolean({ description: 'A PDF without a text layer that OCR did not read' }),
    ),
    truncated: Type.Optional(
      Type.Boolean({
        description:
          'The text was cut at QUIRE_MAX_EXTRACTED_CHARS, or a sheet at QUIRE_SHEET_MAX_ROWS × QUIRE_SHEET_MAX_COLUMNS',
      }),
    ),
  }),
  parent_id: Type.Union([Type.String(), Type.Null()], {
    description:
      'The document this one was made from (the e-mail it was attached to, `attachments=extract`), else null',
  }),
  created_at: Type.String(),
  updated_at: Type.String(),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});

export const JobView = Type.Object({
  id: Type.String(),
  type: Type.Enum(JOB_TYPES),
  lane: Type.Union([Type.Literal('small'), Type.Literal('large')], {
    description: 'Large documents are extracted in their own lane, never on every worker',
  }),
  status: Type.Enum(JOB_STATUSES),
  document_id: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  max_attempts: Type.Integer(),
  workers: Type.Array(Type.String(), {
    description: 'The worker that ran each attempt, in order (workers[0] ran attempt 1)',
  }),
  progress: Type.Object({ done: Type.Integer(), total: Type.Integer(), unit: Type.String() }),
  error: Type.Optional(
    Type.Object({ code: Type.String(), message: Type.String(), retryable: Type.Boolean() }),
  ),
  created_at: Type.String(),
  started_at: Type.Optional(Type.String()),
  finished_at: Type.Optional(Type.String()),
  next_attempt_at: Type.Optional(Type.String()),
});

export const CreatedDocument = Type.Object({
  document: DocumentView,
  job: Type.Union([JobView, Type.Null()]),
  deduplicated: Type.Optional(Type.Boolean()),
});

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Type.Union(DOCUMENT_STATUSES.map((s) => Type.Literal(s)))),
    media_type: Type.Optional(Type.String({ maxLength: 200 })),
    tag: Type.Optional(Type.Array(Tag, { maxItems: 20 })),
    created_after: Type.Optional(Type.String({ format: 'date-time' })),
    created_before: Type.Optional(Type.String({ format: 'date-time' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    parent_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Only the children of this document (an e-mail’s extracted attachments)',
      }),
    ),
    sort: Type.Union(
      DOCUMENT_SORTS.map((s) => Type.Literal(s)),
      { default: '-created_at' },
    ),
  },
  { additionalProperties: false },
);

export const DocumentList = Type.Object({
  data: Type.Array(DocumentView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const PatchBody = Type.Object(
  { title: Type.Optional(Title), tags: Type.Optional(Tags), metadata: Type.Optional(Metadata) },
  { additionalProperties: false, minProperties: 1 },
);

export const MAX_BATCH_ITEMS = 100;

export const BatchBody = Type.Object(
  { items: Type.Array(CreateBody, { minItems: 1, maxItems: MAX_BATCH_ITEMS }) },
  { additionalProperties: false },
);

export const BatchResult = Type.Object({
  results: Type.Array(
    Type.Union([
      Type.Object({
        document: DocumentView,
        job: Type.Union([JobView, Type.Null()]),
        deduplicated: Type.Optional(Type.Boolean()),
      }),
      Type.Object({
        error: Type.Object({ status: Type.Integer(), code: Type.String(), detail: Type.String() }),
      }),
    ]),
  ),
});
