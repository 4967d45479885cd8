/**
 * The multipart form of POST /v1/documents: the part named `file` (or `files`) streamed to
 * staging, and the text parts (`title`, `tags`, `metadata`, `password`, `attachments`) validated
 * as the JSON forms are — with the checks the JSON forms share.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import { ATTACHMENT_MODES, type AttachmentMode } from '../domain/documents/attachments.js';
import type { DocumentIngest, IngestMeta } from '../domain/documents/ingest.js';
import type { StagedUpload } from '../domain/documents/staging.js';
import { sanitizeFilename } from '../domain/filenames.js';
import { AppError, invalidField, type FieldError } from '../errors.js';
import { MAX_METADATA_BYTES, MAX_TAGS } from './schemas/documents.js';

const KNOWN_FIELDS = new Set(['tags', 'metadata', 'title', 'password', 'attachments']);
/**
 * The file part's names: `file`, or `files` as docling, Unstructured and Gotenberg call it. One
 * file per request: a second file part (under either name) is a 400, not a second document.
 */
const FILE_FIELDS = new Set(['file', 'files']);
const ONE_FILE = 'must be one file per request (one part named "file" or "files")';

function hasControlCharacter(text: string): boolean {
  return [...text].some((character) => (character.codePointAt(0) ?? 0) < 0x20);
}

/** The metadata size limit, which the body schema cannot express. */
export function checkMetadataSize(
  metadata: Record<string, unknown> | undefined,
  path: string,
): void {
  if (metadata !== undefined && Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    throw invalidField(path, `must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
  }
}

/** The multipart text fields, validated as the JSON forms are. */
function metaFromFields(
  fields: Map<string, string>,
  filename: string,
): IngestMeta & { attachmentMode: AttachmentMode } {
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
  const attachments = fields.get('attachments') ?? 'list';
  if (!(ATTACHMENT_MODES as readonly string[]).includes(attachments)) {
    errors.push({ path: '/body/attachments', message: 'must be list or extract' });
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
    attachmentMode: attachments as AttachmentMode,
    tags: [...new Set(tags)],
    metadata,
    filename,
    ...(title === undefined ? {} : { title }),
    ...(password === undefined || password === '' ? {} : { password }),
  };
}

/** The multipart plugin's limit errors as the API's errors (null: not one of them). */
function multipartError(error: unknown): AppError | null {
  const code = (error as { code?: string }).code;
  if (code === 'FST_FILES_LIMIT') return invalidField('/body/file', ONE_FILE);
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
    return invalidField('/body', 'has too many parts');
  if (code === 'FST_REQ_FILE_TOO_LARGE')
    return new AppError('PAYLOAD_TOO_LARGE', 'The file is over the upload limit');
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || code === 'FST_NO_FORM_DATA') {
    return invalidField('/body', 'is not valid multipart/form-data');
  }
  return null;
}

/**
 * What the form says, as one SHA-256: the file's streamed hash and size, its name and the text
 * fields — not the boundary or part order, which a client's retry may change.
 */
function formDigest(upload: StagedUpload, filename: string, fields: Map<string, string>): string {
  const { sha256, size } = upload.staged;
  const sorted = [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([sha256, size, filename, sorted]))
    .digest('hex');
}

/** Reads the form, staging its file; on any error the staged file is discarded. */
export async function receiveUpload(
  request: FastifyRequest,
  ingest: Pick<DocumentIngest, 'stage'>,
): Promise<{
  upload: StagedUpload;
  meta: IngestMeta;
  attachments: AttachmentMode;
  digest: string;
}> {
  const fields = new Map<string, string>();
  let upload: StagedUpload | undefined;
  let filename = '';
  try {
    for await (const part of request.parts() as AsyncIterable<Multipart>) {
      if (part.type === 'file') {
        const file = part as MultipartFile;
        if (!FILE_FIELDS.has(file.fieldname) || upload !== undefined) {
          file.file.resume();
          throw invalidField('/body/file', ONE_FILE);
        }
        filename = sanitizeFilename(file.filename);
        upload = await ingest.stage(file.file);
        if (file.file.truncated)
          throw new AppError('PAYLOAD_TOO_LARGE', 'The file is over the upload limit');
        continue;
      }
      if (!KNOWN_FIELDS.has(part.fieldname))
        throw invalidField(`/body/${part.fieldname}`, 'is not a known field');
      if (part.valueTruncated) {
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `Field ${part.fieldname} is over ${request.server.config.multipartFieldBytes} bytes`,
        );
      }
      if (fields.has(part.fieldname))
        throw invalidField(`/body/${part.fieldname}`, 'must be sent once');
      fields.set(part.fieldname, String(part.value));
    }
    if (upload === undefined) throw invalidField('/body/file', 'is required');
    const { attachmentMode, ...meta } = metaFromFields(fields, filename);
    return {
      upload,
      meta,
      attachments: attachmentMode,
      digest: formDigest(upload, filename, fields),
    };
  } catch (error) {
    await upload?.staged.discard();
    throw multipartError(error) ?? error;
  }
}
