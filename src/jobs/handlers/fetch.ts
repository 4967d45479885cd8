/**
 * URL-ingestion jobs: fetch the URL (SSRF-guarded, capped, retried inside the fetcher), stream the
 * body to the blob store, then attach the bytes to the document and queue its extraction in one
 * transaction that also completes the job.
 */
import type { Fetcher } from '../../ports/fetcher.js';
import type { FetchedDocuments } from '../../domain/documents/fetched.js';
import type { JobHandler } from '../runner.js';

export function fetchJobHandler(options: {
  fetcher: Fetcher;
  documents: FetchedDocuments;
  maxBytes: number;
}): JobHandler {
  const { fetcher, documents, maxBytes } = options;
  return {
    types: ['fetch'],
    unexpected: {
      code: 'FETCH_FAILED',
      message: 'The download failed unexpectedly',
      retryable: true,
    },

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
