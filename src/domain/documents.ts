/**
 * Documents: ingest (upload, text, URL), dedupe by content per tenant, read, update, delete.
 * Bytes go to the blob store first (staged, hashed while streaming); the document row, the blob's
 * reference count and the first job are then written in one transaction, inside which the staged
 * bytes are committed — so no row ever points at missing bytes and no bytes outlive their last row.
 */
import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { BlobStore, ByteRange, LocalFile, StagedBlob } from '../ports/blob-store.js';
import type {
  DocumentCursor,
  DocumentFilter,
  DocumentPage,
  DocumentPatch,
  DocumentRecord,
  DocumentSort,
} from '../ports/document-store.js';
import type { JobRecord, JobType } from '../ports/job-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import { NO_EVENTS, type EventPublisher } from '../ports/events.js';
import type { PageRecord } from '../ports/content-store.js';
import { SUPPORTED_MEDIA_TYPES, type ExtractionResult } from '../ports/extractor.js';
import { countWords, splitPassages } from './passages.js';
import type { TenantStore } from '../ports/tenant-store.js';
import type { UnitOfWork } from '../ports/unit-of-work.js';
import type { Actor } from './api-keys.js';
import { newId } from '../shared/ids.js';
import { sniffMediaType } from './media-type.js';

const HEAD_BYTES = 64 * 1024;

export interface IngestMeta {
  title?: string;
  tags: string[];
  metadata: Record<string, unknown>;
  filename?: string;
  /** For an encrypted PDF: kept in the extraction job until it settles. */
  password?: string;
}

export interface Created {
  document: DocumentRecord;
  job: JobRecord | null;
  deduplicated: boolean;
}

export interface StagedUpload {
  staged: StagedBlob;
  head: Uint8Array;
}

export interface DocumentServiceOptions {
  uow: UnitOfWork;
  blobs: BlobStore;
  tenants: TenantStore;
  audit: AuditLog;
  queue: JobQueue;
  /** Told when a document becomes ready or fails (webhooks). */
  events?: EventPublisher;
  maxUploadBytes: number;
  maxJobAttempts: number;
  /** Documents of this many bytes or more are extracted in the large lane. */
  largeDocumentBytes: number;
  now?: () => number;
}

/** Pages read per query when content is streamed. */
export const CONTENT_PAGE_BATCH = 50;

function extractPayload(password: string | undefined): Record<string, unknown> {
  return password === undefined ? {} : { password };
}

/** Copies the first bytes of a stream aside while passing every chunk on. */
async function* tapHead(
  source: AsyncIterable<Uint8Array>,
  head: Uint8Array[],
): AsyncGenerator<Uint8Array> {
  let kept = 0;
  for await (const chunk of source) {
    if (kept < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - kept);
      head.push(Uint8Array.from(part));
      kept += part.length;
    }
    yield chunk;
  }
}

export class DocumentService {
  private readonly now: () => number;

  constructor(private readonly options: DocumentServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Streams an upload to the blob store, keeping its head for type detection. */
  async stage(
    source: AsyncIterable<Uint8Array> | Readable,
    signal?: AbortSignal,
  ): Promise<StagedUpload> {
    const head: Uint8Array[] = [];
    const staged = await this.options.blobs.stage(tapHead(source, head), {
      maxBytes: this.options.maxUploadBytes,
      ...(signal === undefined ? {} : { signal }),
    });
    return { staged, head: Buffer.concat(head) };
  }

  /** Creates a document from staged bytes; the staged file is committed or discarded. */
  async ingest(
    tenantId: string,
    upload: StagedUpload,
    meta: IngestMeta,
    source: DocumentRecord['source'],
    dedupe: boolean,
    by: Actor,
  ): Promise<Created> {
    const { staged, head } = upload;
    try {
      if (staged.size === 0) {
        throw new AppError('VALIDATION_FAILED', 'The file is empty', {
          errors: [{ path: '/body/file', message: 'must not be empty' }],
        });
      }
      const sniffed = await sniffMediaType(head, meta.filename ?? '');
      if ('unsupported' in sniffed) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `${sniffed.unsupported} is not supported; send one of ${SUPPORTED_MEDIA_TYPES.join(', ')}`,
        );
      }
      const { uow } = this.options;
      if (dedupe) {
        const existing = await uow.stores.documents.findBySha256(tenantId, staged.sha256);
        if (existing !== null) {
          await staged.discard();
          return { document: existing, job: null, deduplicated: true };
        }
      }
      await this.options.tenants.ensure({ id: tenantId, name: tenantId });
      const at = new Date(this.now()).toISOString();
      const document: DocumentRecord = {
        id: newId('doc'),
        tenant_id: tenantId,
        title: meta.title ?? meta.filename ?? 'Untitled',
        status: 'pending',
        media_type: sniffed.mediaType,
        size_bytes: staged.size,
        sha256: staged.sha256,
        filename: meta.filename ?? null,
        page_count: null,
        tags: meta.tags,
        metadata: meta.metadata,
        source,
        extracted: { word_count: 0 },
        error: null,
        created_at: at,
        updated_at: at,
      };
      const job = this.newJob(
        tenantId,
        document.id,
        'extract',
        extractPayload(meta.password),
        by.requestId,
        at,
        staged.size,
      );
      await uow.run(async (stores) => {
        await stores.documents.insert(document);
        await stores.blobRefs.increment(staged.sha256);
        await stores.jobs.insert(job);
        await this.options.blobs.commit(staged);
      });
      await this.options.queue.enqueue([job]);
      return { document, job, deduplicated: false };
    } catch (error) {
      await staged.discard();
      throw error;
    }
  }

  /** Creates a pending document whose bytes a background job fetches. */
  async createFromUrl(
    tenantId: string,
    url: string,
    headers: Record<string, string>,
    meta: IngestMeta,
    by: Actor,
  ): Promise<Created> {
    await this.options.tenants.ensure({ id: tenantId, name: tenantId });
    const at = new Date(this.now()).toISOString();
    const lastSegment = decodeURIComponent(
      new URL(url).pathname.split('/').filter(Boolean).pop() ?? '',
    );
    const document: DocumentRecord = {
      id: newId('doc'),
      tenant_id: tenantId,
      title: meta.title ?? (lastSegment || new URL(url).hostname),
      status: 'pending',
      media_type: null,
      size_bytes: 0,
      sha256: null,
      filename: meta.filename ?? (lastSegment || null),
      page_count: null,
      tags: meta.tags,
      metadata: meta.metadata,
      source: { type: 'url', url },
      extracted: { word_count: 0 },
      error: null,
      created_at: at,
      updated_at: at,
    };
    const job = this.newJob(tenantId, document.id, 'fetch', { url, headers }, by.requestId, at, 0);
    await this.options.uow.run(async (stores) => {
      await stores.documents.insert(document);
      await stores.jobs.insert(job);
    });
    await this.options.queue.enqueue([job]);
    return { document, job, deduplicated: false };
  }

  /**
   * Attaches fetched bytes to a URL document and queues its extraction, completing the fetch job
   * in the same transaction (rolled back if the job's lease was lost meanwhile).
   */
  async attachFetched(job: JobRecord, upload: StagedUpload, owner: string): Promise<void> {
    const { staged, head } = upload;
    try {
      const documentId = job.document_id as string;
      const current = await this.options.uow.stores.documents.get(job.tenant_id, documentId);
      if (staged.size === 0)
        throw new AppError('VALIDATION_FAILED', 'The URL answered with an empty body');
      const sniffed = await sniffMediaType(head, current?.filename ?? '');
      if ('unsupported' in sniffed) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `The URL answered with ${sniffed.unsupported}, which is not supported`,
        );
      }
      const at = new Date(this.now()).toISOString();
      const extract = this.newJob(
        job.tenant_id,
        documentId,
        'extract',
        {},
        job.request_id,
        at,
        staged.size,
      );
      const attached = await this.options.uow.run(async (stores) => {
        const updated = await stores.documents.update(
          job.tenant_id,
          documentId,
          { sha256: staged.sha256, size_bytes: staged.size, media_type: sniffed.mediaType },
          at,
        );
        if (!(await stores.jobs.complete(job.id, owner, at)))
          throw new Error(`lost the lease on job ${job.id}`);
        if (updated === null) return false; // deleted while it was being fetched
        await stores.blobRefs.increment(staged.sha256);
        await stores.jobs.insert(extract);
        await this.options.blobs.commit(staged);
        return true;
      });
      await this.options.queue.completed(job.id, owner);
      if (attached) await this.options.queue.enqueue([extract]);
    } finally {
      await staged.discard();
    }
  }

  /** Settles a document whose job failed for good. */
  async markFailed(
    tenantId: string,
    id: string,
    failure: { code: string; message: string },
    requestId: string | null = null,
  ): Promise<void> {
    const updated = await this.options.uow.stores.documents.update(
      tenantId,
      id,
      { status: 'failed', error: { code: failure.code, message: failure.message } },
      new Date(this.now()).toISOString(),
    );
    if (updated !== null) await this.publish('document.failed', updated, requestId);
  }

  private async publish(
    type: 'document.ready' | 'document.failed',
    document: DocumentRecord,
    requestId: string | null,
  ): Promise<void> {
    const { tenant_id: _tenant, ...view } = document;
    await (this.options.events ?? NO_EVENTS).publish({
      type,
      tenant_id: document.tenant_id,
      data: { document: view },
      request_id: requestId,
      occurred_at: new Date(this.now()).toISOString(),
    });
  }

  /** A reserved extraction started: its document says `processing` (null when it is gone). */
  async startExtraction(job: JobRecord): Promise<DocumentRecord | null> {
    return this.options.uow.stores.documents.update(
      job.tenant_id,
      job.document_id as string,
      { status: 'processing', error: null },
      new Date(this.now()).toISOString(),
    );
  }

  /**
   * Stores what the extraction produced — pages, passages, the document's metadata and status —
   * and completes the job, in one transaction; false (nothing written) when the owner lost the
   * job meanwhile (cancelled, or taken over after its lease ran out).
   */
  async completeExtraction(
    job: JobRecord,
    owner: string,
    result: ExtractionResult,
  ): Promise<boolean> {
    const documentId = job.document_id as string;
    const pages: PageRecord[] = result.pages.map(({ number, text, markdown }) => ({
      number,
      text,
      markdown,
    }));
    const passages = splitPassages(job.tenant_id, documentId, pages);
    const wordCount = pages.reduce((sum, page) => sum + countWords(page.text), 0);
    const at = new Date(this.now()).toISOString();
    const done = await this.options.uow.run(async (stores) => {
      if (!(await stores.jobs.complete(job.id, owner, at))) return null;
      const updated = await stores.documents.update(
        job.tenant_id,
        documentId,
        {
          status: 'ready',
          error: null,
          page_count: result.pageCount,
          extracted: {
            ...result.metadata,
            word_count: wordCount,
            ...(result.needsOcr ? { needs_ocr: true } : {}),
            ...(result.truncated ? { truncated: true } : {}),
          },
        },
        at,
      );
      if (updated !== null)
        await stores.content.replace(job.tenant_id, documentId, pages, passages);
      return { updated };
    });
    if (done === null) return false;
    await this.options.queue.completed(job.id, owner);
    if (done.updated !== null) await this.publish('document.ready', done.updated, job.request_id);
    return true;
  }

  /** Queues a new extraction of a document that has its bytes (e.g. with a password now). */
  async reprocess(
    tenantId: string,
    id: string,
    password: string | undefined,
    by: Actor,
  ): Promise<JobRecord> {
    const document = await this.withFile(tenantId, id);
    const active = await this.options.uow.stores.jobs.list(
      tenantId,
      { document_id: id, type: 'extract' },
      1,
      null,
    );
    const latest = active.data[0];
    if (latest !== undefined && (latest.status === 'queued' || latest.status === 'running')) {
      throw new AppError('CONFLICT', `Document ${id} is already being processed by ${latest.id}`);
    }
    const at = new Date(this.now()).toISOString();
    const job = this.newJob(
      tenantId,
      id,
      'extract',
      extractPayload(password),
      by.requestId,
      at,
      document.size_bytes,
    );
    await this.options.uow.run(async (stores) => {
      await stores.jobs.insert(job);
      await stores.documents.update(tenantId, id, { status: 'pending', error: null }, at);
    });
    await this.options.queue.enqueue([job]);
    return job;
  }

  /** A ready document, for its content (409 while it is not ready). */
  async readyDocument(tenantId: string, id: string): Promise<DocumentRecord> {
    const document = await this.get(tenantId, id);
    if (document.status !== 'ready') {
      throw new AppError(
        'CONFLICT',
        `Document ${id} is ${document.status}; its content is available once it is ready`,
      );
    }
    return document;
  }

  /** The document's extracted pages in order (only `numbers` when given), read in batches. */
  async *pages(tenantId: string, id: string, numbers?: number[]): AsyncGenerator<PageRecord> {
    let after = 0;
    for (;;) {
      const batch = await this.options.uow.stores.content.pages(
        tenantId,
        id,
        after,
        CONTENT_PAGE_BATCH,
        numbers,
      );
      yield* batch;
      const last = batch[batch.length - 1];
      if (last === undefined || batch.length < CONTENT_PAGE_BATCH) return;
      after = last.number;
    }
  }

  /** A document whose job was queued again waits for it. */
  async markPending(tenantId: string, id: string): Promise<void> {
    await this.options.uow.stores.documents.update(
      tenantId,
      id,
      { status: 'pending', error: null },
      new Date(this.now()).toISOString(),
    );
  }

  private newJob(
    tenantId: string,
    documentId: string,
    type: JobType,
    payload: Record<string, unknown>,
    requestId: string | null,
    at: string,
    sizeBytes: number,
  ): JobRecord {
    return {
      id: newId('job'),
      tenant_id: tenantId,
      document_id: documentId,
      type,
      lane: sizeBytes >= this.options.largeDocumentBytes ? 'large' : 'small',
      status: 'queued',
      attempts: 0,
      max_attempts: this.options.maxJobAttempts,
      payload,
      progress: { done: 0, total: 0, unit: type === 'fetch' ? 'bytes' : 'pages' },
      error: null,
      request_id: requestId,
      next_attempt_at: at,
      created_at: at,
      started_at: null,
      finished_at: null,
    };
  }

  async get(tenantId: string, id: string): Promise<DocumentRecord> {
    const document = await this.options.uow.stores.documents.get(tenantId, id);
    if (document === null) throw new AppError('NOT_FOUND', `No document ${id}`);
    return document;
  }

  list(
    tenantId: string,
    filter: DocumentFilter,
    sort: DocumentSort,
    limit: number,
    after?: DocumentCursor,
  ): Promise<DocumentPage> {
    return this.options.uow.stores.documents.list(tenantId, filter, sort, limit, after);
  }

  async update(tenantId: string, id: string, patch: DocumentPatch): Promise<DocumentRecord> {
    const updated = await this.options.uow.stores.documents.update(
      tenantId,
      id,
      patch,
      new Date(this.now()).toISOString(),
    );
    if (updated === null) throw new AppError('NOT_FOUND', `No document ${id}`);
    return updated;
  }

  /** Deletes the document, its unfinished jobs and, with its last reference, its bytes. */
  async delete(tenantId: string, id: string, by: Actor): Promise<void> {
    const deleted = await this.options.uow.run(async (stores) => {
      const document = await stores.documents.delete(tenantId, id);
      if (document === null) return null;
      await stores.jobs.deleteForDocument(tenantId, id);
      await stores.content.deleteForDocument(tenantId, id);
      if (document.sha256 !== null && (await stores.blobRefs.decrement(document.sha256)) === 0) {
        await this.options.blobs.remove(document.sha256);
      }
      return document;
    });
    if (deleted === null) throw new AppError('NOT_FOUND', `No document ${id}`);
    await this.options.audit.record({
      tenant_id: tenantId,
      actor: by.actor,
      action: 'document.deleted',
      target_type: 'document',
      target_id: id,
      request_id: by.requestId,
      ip: by.ip,
      details: { title: deleted.title, sha256: deleted.sha256 },
    });
  }

  /** A document that has its bytes (a URL document has none until its fetch succeeds). */
  async withFile(tenantId: string, id: string): Promise<DocumentRecord & { sha256: string }> {
    const document = await this.get(tenantId, id);
    if (document.sha256 === null) {
      throw new AppError('CONFLICT', `Document ${id} has no file yet (it is still being fetched)`);
    }
    return document as DocumentRecord & { sha256: string };
  }

  /** A plaintext file of the document's bytes for a worker thread; release it when done. */
  materialize(sha256: string): Promise<LocalFile> {
    return this.options.blobs.materialize(sha256);
  }

  /** The original bytes, or an inclusive range of them, of a document `withFile` returned. */
  openFile(document: { sha256: string }, range?: ByteRange): Promise<Readable> {
    return this.options.blobs.open(document.sha256, range);
  }
}
