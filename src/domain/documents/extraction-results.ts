/**
 * What the extraction job does to its document: mark it processing, hand over its file, store what
 * extraction produced (in the transaction that completes the job), and settle it when the job is
 * queued again or fails for good.
 */
import type { JobFailure } from '../../ports/failures.js';
import type { LocalFile } from '../../ports/blob-store.js';
import type { PageRecord } from '../../ports/content-store.js';
import type { DocumentRecord } from '../../ports/document-store.js';
import type { JobRecord } from '../../ports/job-store.js';
import type { ExtractionResult } from '../../ports/extractor.js';
import { DEFAULT_CHUNKING, splitPassages } from '../passages.js';
import { isoClock, type DocumentDeps } from './deps.js';
import { PageStaging } from './page-staging.js';
import { DocumentStatus, publishDocumentEvent } from './status.js';

export type ExtractionDeps = Pick<
  DocumentDeps,
  'uow' | 'blobs' | 'queue' | 'events' | 'clock' | 'chunking' | 'embedder'
>;

export class ExtractionResults {
  private readonly timestamp: () => string;
  private readonly status: DocumentStatus;

  constructor(private readonly deps: ExtractionDeps) {
    this.timestamp = isoClock(deps.clock);
    this.status = new DocumentStatus(deps);
  }

  /** A reserved extraction started: its document says `processing` (null when it is gone). */
  startExtraction(job: JobRecord): Promise<DocumentRecord | null> {
    return this.deps.uow.stores.documents.update(
      job.tenant_id,
      job.document_id as string,
      { status: 'processing', error: null },
      this.timestamp(),
    );
  }

  /**
   * Where this attempt stages its pages as they are read (page-staging.ts). A PDF's first drops
   * what earlier attempts of its document staged and left (a process that died mid-extraction):
   * only PDFs stage pages.
   */
  async stagePagesFor(job: JobRecord, mediaType: string): Promise<PageStaging> {
    const documentId = job.document_id as string;
    const { content } = this.deps.uow.stores;
    if (mediaType === 'application/pdf') await content.discardStaged(job.tenant_id, documentId);
    return new PageStaging(content, job.tenant_id, documentId, job.id, Date.now());
  }

  /** A plaintext file of the document's bytes for a worker thread; release it when done. */
  materialize(sha256: string): Promise<LocalFile> {
    return this.deps.blobs.materialize(sha256);
  }

  /**
   * Stores what the extraction produced — pages, passages, the document's metadata and status —
   * and completes the job, in one transaction; false (nothing written) when the owner lost the
   * job meanwhile (cancelled, or taken over after its lease ran out). With a bi-encoder the
   * passages are embedded first (the model is never called inside the transaction) and their
   * vectors stored right after it; a model failure leaves them without (found lexically only,
   * filled by a later re-index).
   */
  async completeExtraction(
    job: JobRecord,
    owner: string,
    result: ExtractionResult,
    signal?: AbortSignal,
    staging?: PageStaging,
  ): Promise<boolean> {
    const documentId = job.document_id as string;
    const pages: PageRecord[] = result.pages.map(({ number, text, markdown }) => ({
      number,
      text,
      markdown,
    }));
    // Pages staged as they were read are taken from the stage, not written again.
    const toStore = staging === undefined ? { pages } : await staging.settle(pages);
    const at = this.timestamp();
    const passages = await splitPassages(
      job.tenant_id,
      documentId,
      pages,
      result.metadata.outline,
      Date.parse(at),
      this.deps.chunking ?? DEFAULT_CHUNKING,
    );
    // Every word of the text is in exactly one passage.
    const wordCount = passages.reduce((sum, passage) => sum + passage.word_count, 0);
    const embedded = await this.deps.embedder?.embedPassages(passages, signal);
    // Stopping or a lost lease while the model ran: the job goes back to the queue.
    signal?.throwIfAborted();
    const done = await this.deps.uow.run(async (stores) => {
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
        await stores.content.replace(
          job.tenant_id,
          documentId,
          toStore.pages,
          passages,
          updated.title,
          toStore.staged,
        );
      return { updated };
    });
    if (done === null) return false;
    if (
      done.updated !== null &&
      embedded !== undefined &&
      embedded !== null &&
      'vectors' in embedded
    )
      await this.deps.embedder?.store(job.tenant_id, embedded);
    await this.deps.queue.completed(job.id, owner);
    if (done.updated !== null)
      await publishDocumentEvent(
        this.deps,
        'document.ready',
        done.updated,
        job.request_id,
        this.timestamp(),
      );
    return true;
  }

  /**
   * Cuts a ready document's passages again from its stored pages and outline (the index follows):
   * for documents indexed before structure passages, or under other settings. False when the
   * document is gone or no longer ready. Pages are read and written in one transaction, so an
   * extraction finishing meanwhile is not overwritten with older text. The new passages are
   * embedded after it commits (never inside it: the model is slow).
   */
  async reindex(tenantId: string, documentId: string, signal?: AbortSignal): Promise<boolean> {
    const done = await this.deps.uow.run(async (stores) => {
      const document = await stores.documents.get(tenantId, documentId);
      if (document === null || document.status !== 'ready') return false;
      const pages: PageRecord[] = [];
      for (let after = 0; ;) {
        const batch = await stores.content.pages(tenantId, documentId, after, 200);
        pages.push(...batch);
        const last = batch[batch.length - 1];
        if (last === undefined || batch.length < 200) break;
        after = last.number;
      }
      const passages = await splitPassages(
        tenantId,
        documentId,
        pages,
        document.extracted.outline,
        Date.parse(this.timestamp()),
        this.deps.chunking ?? DEFAULT_CHUNKING,
      );
      await stores.content.replace(tenantId, documentId, pages, passages, document.title);
      return true;
    });
    if (done) await this.deps.embedder?.fill(tenantId, documentId, signal);
    return done;
  }

  /** Drops the pages any attempt staged for the document (its extraction failed for good). */
  discardStagedPages(tenantId: string, documentId: string): Promise<void> {
    return this.deps.uow.stores.content.discardStaged(tenantId, documentId);
  }

  /** A document whose extraction was queued again waits for it. */
  markPending(tenantId: string, id: string): Promise<void> {
    return this.status.markPending(tenantId, id);
  }

  /** Settles a document whose extraction failed for good. */
  markFailed(
    tenantId: string,
    id: string,
    failure: Pick<JobFailure, 'code' | 'message'>,
    requestId: string | null = null,
  ): Promise<void> {
    return this.status.markFailed(tenantId, id, failure, requestId);
  }
}
