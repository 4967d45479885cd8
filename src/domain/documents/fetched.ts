/**
 * What the URL fetch job does to its document: stage the downloaded body, attach it and queue the
 * extraction (in the transaction that completes the fetch job), or fail the document for good.
 */
import type { JobFailure } from '../../ports/failures.js';
import type { Readable } from 'node:stream';
import { AppError } from '../../errors.js';
import type { JobProgress, JobRecord } from '../../ports/job-store.js';
import { sniffMediaType } from '../media-type.js';
import { assertExtractable, NO_OPTIONAL_CAPABILITIES } from '../extraction-capabilities.js';
import { isoClock, type DocumentDeps } from './deps.js';
import { newJob } from './new-job.js';
import { stageUpload, type StagedUpload } from './staging.js';
import { DocumentStatus } from './status.js';

export type FetchedDeps = Pick<
  DocumentDeps,
  | 'uow'
  | 'blobs'
  | 'queue'
  | 'events'
  | 'maxUploadBytes'
  | 'maxJobAttempts'
  | 'largeDocumentBytes'
  | 'clock'
  | 'capabilities'
>;

export class FetchedDocuments {
  private readonly timestamp: () => string;
  private readonly status: DocumentStatus;

  constructor(private readonly deps: FetchedDeps) {
    this.timestamp = isoClock(deps.clock);
    this.status = new DocumentStatus(deps);
  }

  /** Streams a downloaded body to the blob store, keeping its head for type detection. */
  stage(source: AsyncIterable<Uint8Array> | Readable, signal?: AbortSignal): Promise<StagedUpload> {
    return stageUpload(this.deps, source, signal);
  }

  /**
   * Attaches fetched bytes to a URL document and queues its extraction, completing the fetch job
   * with its final `progress` in the same transaction (rolled back if the job's lease was lost
   * meanwhile).
   */
  async attachFetched(
    job: JobRecord,
    upload: StagedUpload,
    owner: string,
    progress?: JobProgress,
  ): Promise<void> {
    const { staged, head } = upload;
    try {
      const documentId = job.document_id as string;
      const current = await this.deps.uow.stores.documents.get(job.tenant_id, documentId);
      if (staged.size === 0)
        throw new AppError('VALIDATION_FAILED', 'The URL answered with an empty body');
      const sniffed = await sniffMediaType(head, current?.filename ?? '');
      if ('unsupported' in sniffed) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `The URL answered with ${sniffed.unsupported}, which is not supported`,
        );
      }
      assertExtractable(sniffed.mediaType, this.deps.capabilities ?? NO_OPTIONAL_CAPABILITIES);
      const at = this.timestamp();
      const extract = newJob(this.deps, {
        tenantId: job.tenant_id,
        documentId,
        type: 'extract',
        payload: {},
        requestId: job.request_id,
        at,
        sizeBytes: staged.size,
      });
      const attached = await this.deps.uow.run(async (stores) => {
        const updated = await stores.documents.update(
          job.tenant_id,
          documentId,
          { sha256: staged.sha256, size_bytes: staged.size, media_type: sniffed.mediaType },
          at,
        );
        if (!(await stores.jobs.complete(job.id, owner, at, progress)))
          throw new Error(`lost the lease on job ${job.id}`);
        if (updated === null) return false; // deleted while it was being fetched
        await stores.blobRefs.increment(staged.sha256);
        await stores.jobs.insert(extract);
        await this.deps.blobs.commit(staged);
        return true;
      });
      await this.deps.queue.completed(job.id, owner);
      if (attached) await this.deps.queue.enqueue([extract]);
    } finally {
      await staged.discard();
    }
  }

  /** Settles a document whose fetch failed for good. */
  markFailed(
    tenantId: string,
    id: string,
    failure: Pick<JobFailure, 'code' | 'message'>,
    requestId: string | null = null,
  ): Promise<void> {
    return this.status.markFailed(tenantId, id, failure, requestId);
  }
}
