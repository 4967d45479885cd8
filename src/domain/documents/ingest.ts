/**
 * Ingest: documents created from an upload, text or a URL (deduped by content per tenant), and
 * their extraction queued again on request. Bytes go to the blob store first (staged, hashed while
 * streaming); the document row, the blob's reference count and the first job are then written in
 * one transaction, inside which the staged bytes are committed — so no row ever points at missing
 * bytes and no bytes outlive their last row.
 */
import type { Readable } from 'node:stream';
import { AppError } from '../../errors.js';
import type { DocumentRecord } from '../../ports/document-store.js';
import type { JobRecord } from '../../ports/job-store.js';
import type { Actor } from '../api-keys.js';
import { newId } from '../../shared/ids.js';
import { SUPPORTED_MEDIA_TYPES } from '../../ports/extractor.js';
import { sniffMediaType } from '../media-type.js';
import { assertExtractable, NO_OPTIONAL_CAPABILITIES } from '../extraction-capabilities.js';
import { isoClock, type DocumentDeps } from './deps.js';
import { findDocumentWithFile } from './lookup.js';
import { newJob } from './new-job.js';
import { stageUpload, type StagedUpload } from './staging.js';

/** Looks at the tenant's document with the same bytes at most this often before giving up (409). */
const MAX_DEDUPE_ATTEMPTS = 4;

/** What an e-mail's extraction job carries to make its attachments children (attachments.ts). */
export interface AttachmentRequest {
  attachments: 'extract';
  /** 0 for an uploaded message, 1 for a message attached to it, and so on. */
  depth: number;
  dedupe: boolean;
}

export interface IngestMeta {
  title?: string;
  tags: string[];
  metadata: Record<string, unknown>;
  filename?: string;
  /** For an encrypted PDF: kept in the extraction job until it settles. */
  password?: string;
  /** The document this one is made from (an e-mail, for its attachment). */
  parentId?: string;
  /** An e-mail's attachments made child documents by its extraction job (`attachments=extract`). */
  attachments?: AttachmentRequest;
}

export interface Created {
  document: DocumentRecord;
  /** Null when nothing was started: a deduplicated upload of a document that did not fail. */
  job: JobRecord | null;
  /** The tenant already had these bytes: `document` is that earlier document. */
  deduplicated: boolean;
}

export type IngestDeps = Pick<
  DocumentDeps,
  | 'uow'
  | 'blobs'
  | 'tenants'
  | 'queue'
  | 'maxUploadBytes'
  | 'maxJobAttempts'
  | 'largeDocumentBytes'
  | 'clock'
  | 'capabilities'
>;

/** What a new document says before its bytes are extracted (or, for a URL, fetched). */
type NewDocument = Pick<
  DocumentRecord,
  'title' | 'media_type' | 'size_bytes' | 'sha256' | 'filename' | 'tags' | 'metadata' | 'source'
> &
  Partial<Pick<DocumentRecord, 'parent_id'>>;

function pendingDocument(tenantId: string, at: string, fields: NewDocument): DocumentRecord {
  return {
    id: newId('doc', Date.parse(at)),
    tenant_id: tenantId,
    title: fields.title,
    status: 'pending',
    media_type: fields.media_type,
    size_bytes: fields.size_bytes,
    sha256: fields.sha256,
    filename: fields.filename,
    page_count: null,
    tags: fields.tags,
    metadata: fields.metadata,
    source: fields.source,
    extracted: { word_count: 0 },
    error: null,
    parent_id: fields.parent_id ?? null,
    created_at: at,
    updated_at: at,
  };
}

function extractPayload(
  password: string | undefined,
  attachments?: AttachmentRequest,
): Record<string, unknown> {
  return {
    ...(password === undefined ? {} : { password }),
    ...(attachments === undefined ? {} : attachments),
  };
}

/** The media type of an upload's bytes; a 422 when there are none, a 415 when not supported. */
async function uploadedMediaType(
  upload: StagedUpload,
  filename: string,
  capabilities: IngestDeps['capabilities'],
): Promise<string> {
  if (upload.staged.size === 0) {
    throw new AppError('VALIDATION_FAILED', 'The file is empty', {
      errors: [{ path: '/body/file', message: 'must not be empty' }],
    });
  }
  const sniffed = await sniffMediaType(upload.head, filename);
  if ('unsupported' in sniffed) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${sniffed.unsupported} is not supported; send one of ${SUPPORTED_MEDIA_TYPES.join(', ')}`,
    );
  }
  assertExtractable(sniffed.mediaType, capabilities ?? NO_OPTIONAL_CAPABILITIES);
  return sniffed.mediaType;
}

export class DocumentIngest {
  private readonly timestamp: () => string;

  constructor(private readonly deps: IngestDeps) {
    this.timestamp = isoClock(deps.clock);
  }

  /** Streams an upload to the blob store, keeping its head for type detection. */
  stage(source: AsyncIterable<Uint8Array> | Readable, signal?: AbortSignal): Promise<StagedUpload> {
    return stageUpload(this.deps, source, signal);
  }

  /**
   * Creates a document from staged bytes; the staged file is committed or discarded. With dedupe,
   * the tenant's document with the same bytes answers instead (held unique by the store, so
   * concurrent uploads of the same bytes make one document); when that one failed, it is
   * extracted again (with the password this upload brings) rather than handed back failed.
   */
  async createFromStaged(
    tenantId: string,
    upload: StagedUpload,
    meta: IngestMeta,
    source: DocumentRecord['source'],
    dedupe: boolean,
    by: Actor,
  ): Promise<Created> {
    const { staged } = upload;
    try {
      const mediaType = await uploadedMediaType(
        upload,
        meta.filename ?? '',
        this.deps.capabilities,
      );
      const { uow } = this.deps;
      // Each turn ends in an answer unless the document found changed under it (deleted, or
      // restarted by a concurrent upload): then it looks again.
      for (let attempt = 0; attempt < MAX_DEDUPE_ATTEMPTS; attempt++) {
        const existing = dedupe
          ? await uow.stores.documents.findBySha256(tenantId, staged.sha256)
          : null;
        if (existing !== null) {
          const answer = await this.answerWithExisting(existing, meta, by);
          if (answer !== null) {
            await staged.discard();
            return answer;
          }
          continue;
        }
        const created = await this.insertNew(tenantId, upload, mediaType, meta, source, dedupe, by);
        if (created !== null) return created;
      }
      throw new AppError(
        'CONFLICT',
        'A document with the same content is being changed concurrently; retry',
        { retryAfterSeconds: 1 },
      );
    } catch (error) {
      await staged.discard();
      throw error;
    }
  }

  /**
   * Writes the new document, its blob reference and first job, committing the staged bytes: null
   * when (with dedupe) another upload of the same bytes made the tenant's document first.
   */
  private async insertNew(
    tenantId: string,
    { staged }: StagedUpload,
    mediaType: string,
    meta: IngestMeta,
    source: DocumentRecord['source'],
    dedupe: boolean,
    by: Actor,
  ): Promise<Created | null> {
    await this.deps.tenants.ensure({ id: tenantId, name: tenantId });
    const at = this.timestamp();
    const document = pendingDocument(tenantId, at, {
      title: meta.title ?? meta.filename ?? 'Untitled',
      media_type: mediaType,
      size_bytes: staged.size,
      sha256: staged.sha256,
      filename: meta.filename ?? null,
      tags: meta.tags,
      metadata: meta.metadata,
      source,
      parent_id: meta.parentId ?? null,
    });
    const job = newJob(this.deps, {
      tenantId,
      documentId: document.id,
      type: 'extract',
      payload: extractPayload(meta.password, meta.attachments),
      requestId: by.requestId,
      at,
      sizeBytes: staged.size,
    });
    const inserted = await this.deps.uow.run(async (stores) => {
      if (dedupe) {
        const holder = await stores.documents.insertForContent({
          ...document,
          sha256: staged.sha256,
        });
        if (holder.id !== document.id) return false;
      } else {
        await stores.documents.insert(document);
      }
      await stores.blobRefs.increment(staged.sha256);
      await stores.jobs.insert(job);
      await this.deps.blobs.commit(staged);
      return true;
    });
    if (!inserted) return null;
    await this.deps.queue.enqueue([job]);
    return { document, job, deduplicated: false };
  }

  /**
   * The answer for an upload whose bytes the tenant already has in `existing`: that document, or,
   * when it failed, that document extracted again (a new job, with this upload's password) — a
   * failed document is never handed back as if it were the result. Null when `existing` is no
   * longer failed (a concurrent upload restarted it, a retry queued it) or no longer there.
   */
  private async answerWithExisting(
    existing: DocumentRecord,
    meta: IngestMeta,
    by: Actor,
  ): Promise<Created | null> {
    if (existing.status !== 'failed') return { document: existing, job: null, deduplicated: true };
    const { tenant_id: tenantId, id } = existing;
    const at = this.timestamp();
    const job = newJob(this.deps, {
      tenantId,
      documentId: id,
      type: 'extract',
      payload: extractPayload(meta.password, meta.attachments),
      requestId: by.requestId,
      at,
      sizeBytes: existing.size_bytes,
    });
    const restarted = await this.deps.uow.run(async (stores) => {
      const pending = await stores.documents.changeStatus(
        tenantId,
        id,
        'failed',
        { status: 'pending', error: null },
        at,
      );
      if (pending !== null) await stores.jobs.insert(job);
      return pending;
    });
    if (restarted === null) return null;
    await this.deps.queue.enqueue([job]);
    return { document: restarted, job, deduplicated: true };
  }

  /** Creates a pending document whose bytes a background job fetches. */
  async createFromUrl(
    tenantId: string,
    url: string,
    headers: Record<string, string>,
    meta: IngestMeta,
    by: Actor,
  ): Promise<Created> {
    await this.deps.tenants.ensure({ id: tenantId, name: tenantId });
    const at = this.timestamp();
    const lastSegment = decodeURIComponent(
      new URL(url).pathname.split('/').filter(Boolean).pop() ?? '',
    );
    const document = pendingDocument(tenantId, at, {
      title: meta.title ?? (lastSegment || new URL(url).hostname),
      media_type: null,
      size_bytes: 0,
      sha256: null,
      filename: meta.filename ?? (lastSegment || null),
      tags: meta.tags,
      metadata: meta.metadata,
      source: { type: 'url', url },
    });
    const job = newJob(this.deps, {
      tenantId,
      documentId: document.id,
      type: 'fetch',
      payload: { url, headers },
      requestId: by.requestId,
      at,
      sizeBytes: 0,
    });
    await this.deps.uow.run(async (stores) => {
      await stores.documents.insert(document);
      await stores.jobs.insert(job);
    });
    await this.deps.queue.enqueue([job]);
    return { document, job, deduplicated: false };
  }

  /** Queues a new extraction of a document that has its bytes (e.g. with a password now). */
  async reprocess(
    tenantId: string,
    id: string,
    password: string | undefined,
    by: Actor,
  ): Promise<JobRecord> {
    const { uow } = this.deps;
    const document = await findDocumentWithFile(uow.stores.documents, tenantId, id);
    const active = await uow.stores.jobs.list(
      tenantId,
      { document_id: id, type: 'extract' },
      1,
      null,
    );
    const latest = active.data[0];
    if (latest !== undefined && (latest.status === 'queued' || latest.status === 'running')) {
      throw new AppError('CONFLICT', `Document ${id} is already being processed by ${latest.id}`);
    }
    const at = this.timestamp();
    const job = newJob(this.deps, {
      tenantId,
      documentId: id,
      type: 'extract',
      payload: extractPayload(password),
      requestId: by.requestId,
      at,
      sizeBytes: document.size_bytes,
    });
    // Compare-and-set on the status read above: of concurrent calls (on any instance) one moves
    // the document to pending and inserts the job; the others find it changed and get 409.
    const started = await uow.run(async (stores) => {
      const pending = await stores.documents.changeStatus(
        tenantId,
        id,
        document.status,
        { status: 'pending', error: null },
        at,
      );
      if (pending !== null) await stores.jobs.insert(job);
      return pending !== null;
    });
    if (!started) throw new AppError('CONFLICT', `Document ${id} is already being processed`);
    await this.deps.queue.enqueue([job]);
    return job;
  }
}
