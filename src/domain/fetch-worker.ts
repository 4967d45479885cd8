/**
 * URL-ingestion jobs: fetch the URL (SSRF-guarded, capped, retried inside the fetcher), stream the
 * body to the blob store, then attach the bytes to the document and queue its extraction in one
 * transaction that also completes the job.
 */
import { AppError } from '../errors.js';
import { FetchError, type Fetcher } from '../ports/fetcher.js';
import type { JobFailure } from '../ports/job-queue.js';
import type { FetchedDocuments } from './documents/fetched.js';
import type { JobHandler } from './job-runner.js';

/** What a failure means for the job: its code, and whether a later attempt can succeed. */
export function classifyFetchFailure(error: unknown): JobFailure {
  if (error instanceof FetchError) {
    if (error.kind === 'not_allowed')
      return { code: 'URL_NOT_ALLOWED', message: error.message, retryable: false };
    if (error.kind === 'too_large')
      return { code: 'PAYLOAD_TOO_LARGE', message: error.message, retryable: false };
    return { code: 'FETCH_FAILED', message: error.message, retryable: error.retryable };
  }
  if (error instanceof AppError) {
    if (error.code === 'UNSUPPORTED_MEDIA_TYPE')
      return { code: 'UNSUPPORTED_FORMAT', message: error.detail, retryable: false };
    if (error.code === 'VALIDATION_FAILED')
      return { code: 'UNPROCESSABLE_DOCUMENT', message: error.detail, retryable: false };
    return { code: error.code, message: error.detail, retryable: error.retryable };
  }
  return { code: 'FETCH_FAILED', message: 'The download failed unexpectedly', retryable: true };
}

export function fetchJobHandler(options: {
  fetcher: Fetcher;
  documents: FetchedDocuments;
  maxBytes: number;
}): JobHandler {
  const { fetcher, documents, maxBytes } = options;
  return {
    types: ['fetch'],
    classify: classifyFetchFailure,

    async run(job, { signal, owner }) {
      const payload = job.payload as { url: string; headers?: Record<string, string> };
      const response = await fetcher.fetch(payload.url, {
        headers: {
          ...(payload.headers ?? {}),
          ...(job.request_id === null ? {} : { 'x-request-id': job.request_id }),
        },
        maxBytes,
        signal,
      });
      const upload = await documents.stage(response.body, signal);
      await documents.attachFetched(job, upload, owner);
    },

    async onFinalFailure(job, failure) {
      if (job.document_id !== null)
        await documents.markFailed(job.tenant_id, job.document_id, failure, job.request_id);
    },
  };
}
