/**
 * URL-ingestion jobs: fetch the URL (SSRF-guarded, capped, retried inside the fetcher, behind the
 * tenant's own breaker for the host), stream the body to the blob store while reporting the bytes
 * fetched as the job's progress, then attach the bytes to the document and queue its extraction in
 * one transaction that also completes the job.
 */
import type { Readable } from 'node:stream';
import type { Fetcher } from '../../ports/fetcher.js';
import { inSpan } from '../../shared/spans.js';
import type { JobProgress } from '../../ports/job-store.js';
import type { FetchedDocuments } from '../../domain/documents/fetched.js';
import type { JobHandler } from '../runner.js';

/** Shortest pause between two progress writes while downloading. */
const PROGRESS_INTERVAL_MS = 250;

/** The size the upstream declared (Content-Length), or 0 when it declared none. */
function declaredSize(headers: Record<string, string>): number {
  const declared = Number(headers['content-length']);
  return Number.isSafeInteger(declared) && declared > 0 ? declared : 0;
}

/** The body's chunks as they pass, each counted by `onBytes`. */
async function* counted(
  body: Readable,
  onBytes: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    onBytes(chunk.length);
    yield chunk;
  }
}

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

    async run(job, { signal, owner, progress }) {
      const payload = job.payload as { url: string; headers?: Record<string, string> };
      // The host only: a URL's path and query may hold the caller's secrets.
      const host = URL.canParse(payload.url) ? new URL(payload.url).host : '';
      await inSpan('fetch url', { attributes: { 'server.address': host } }, async (span) => {
        const response = await fetcher.fetch(payload.url, {
          headers: {
            ...(payload.headers ?? {}),
            ...(job.request_id === null ? {} : { 'x-request-id': job.request_id }),
          },
          maxBytes,
          signal,
          scope: job.tenant_id,
        });
        // `total` is the declared size, 0 while it is unknown; both are exact once it is fetched.
        const total = declaredSize(response.headers);
        let done = 0;
        let last = performance.now();
        const report = (): void => progress({ done, total, unit: 'bytes' });
        if (total > 0) report();
        const body = counted(response.body, (bytes) => {
          done += bytes;
          const now = performance.now();
          if (now - last < PROGRESS_INTERVAL_MS) return;
          last = now;
          report();
        });
        const upload = await documents.stage(body, signal);
        const fetched: JobProgress = {
          done: upload.staged.size,
          total: upload.staged.size,
          unit: 'bytes',
        };
        span.setAttribute('quire.fetch.bytes', upload.staged.size);
        await documents.attachFetched(job, upload, owner, fetched);
      });
    },

    async onFinalFailure(job, failure) {
      if (job.document_id !== null)
        await documents.markFailed(job.tenant_id, job.document_id, failure, job.request_id);
    },
  };
}
