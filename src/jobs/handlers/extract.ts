/**
 * Extraction jobs: hand the document's file (a path, never its bytes) to the worker pool, record
 * page progress, stage the pages a split PDF's threads hand over while the others still read, and
 * store the result — pages (the staged ones moved), passages, metadata, status — in the
 * transaction that completes the job (an e-mail's attachments made child documents first, when
 * its upload asked). Bad input fails the job and the document at once with its code; a crashed,
 * out-of-memory or overrunning worker is retried on a fresh thread.
 */
import type {
  ExtractionLimits,
  Extractor,
  LibreOfficeRuntime,
  PdfEngine,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';
import type { EmailAttachments } from '../../domain/documents/attachments.js';
import type { ExtractionResults } from '../../domain/documents/extraction-results.js';
import { LeaseLost, type JobHandler } from '../runner.js';
import { inSpan } from '../../shared/spans.js';

const PROGRESS_INTERVAL_MS = 250;

export interface ExtractionJobOptions {
  extractor: Extractor;
  documents: ExtractionResults;
  /** Makes an e-mail's attachments child documents when its upload asked (`attachments=extract`). */
  attachments?: Pick<EmailAttachments, 'makeChildren'>;
  limits: ExtractionLimits;
  ocr: boolean;
  /** What reads PDFs (QUIRE_PDF_ENGINE; default DEFAULT_PDF_ENGINE). */
  pdfEngine?: PdfEngine;
  /** Absent where no `soffice` is installed (legacy Office files then fail). */
  libreOffice?: LibreOfficeRuntime;
  /**
   * One document through the worker pool: its media type, `ok` or the failure code, the pages
   * it gave (0 on failure) and how long it took (the extraction metrics).
   */
  onExtracted?: (extracted: ExtractionReport) => void;
}

export interface ExtractionReport {
  mediaType: string;
  outcome: string;
  pages: number;
  seconds: number;
}

export function extractJobHandler(options: ExtractionJobOptions): JobHandler {
  const { extractor, documents } = options;
  return {
    types: ['extract'],
    unexpected: {
      code: 'INTERNAL',
      message: 'Extraction failed unexpectedly',
      retryable: true,
    },

    async run(job, { signal, owner, progress }) {
      const document = await documents.startExtraction(job);
      if (document === null || document.sha256 === null || document.media_type === null)
        throw new LeaseLost(job.id); // deleted meanwhile (its jobs went with it)
      const { media_type: mediaType, sha256 } = document;
      const attributes = {
        'quire.document.id': document.id,
        'quire.document.media_type': mediaType,
        'quire.document.size_bytes': document.size_bytes,
      };
      // Pages read before the extraction ends are staged meanwhile; the attempt's stage goes
      // however it ends (completing took what it kept).
      const staging = await documents.stagePagesFor(job, mediaType);
      try {
        await inSpan('extract document', { attributes }, async (span) => {
          const file = await documents.materialize(sha256);
          let outcome;
          const started = performance.now();
          try {
            let last = 0;
            const password = (job.payload as { password?: unknown }).password;
            outcome = await extractor.extract(
              {
                path: file.path,
                mediaType,
                filename: document.filename,
                ...(typeof password === 'string' ? { password } : {}),
                limits: options.limits,
                ocr: options.ocr,
                ...(options.pdfEngine === undefined ? {} : { pdfEngine: options.pdfEngine }),
                ...(options.libreOffice === undefined ? {} : { libreOffice: options.libreOffice }),
              },
              {
                signal,
                onProgress(done, total) {
                  const now = performance.now();
                  if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
                  last = now;
                  progress({ done, total, unit: 'pages' });
                },
                onPages: (pages) => staging.add(pages),
              },
            );
          } finally {
            await file.release();
          }
          options.onExtracted?.({
            mediaType,
            outcome: outcome.ok ? 'ok' : outcome.code,
            pages: outcome.ok ? outcome.result.pages.length : 0,
            seconds: (performance.now() - started) / 1000,
          });
          // Bad input: permanent by the registry (the same bytes fail the same way).
          if (!outcome.ok) {
            span.setAttribute('quire.extraction.failure_code', outcome.code);
            throw new Failure(outcome.code, outcome.message);
          }
          span.setAttribute('quire.extraction.pages', outcome.result.pages.length);
          // Before the message is ready, so a client that waited for it finds its children.
          const children = await options.attachments?.makeChildren(job, document);
          if (children !== undefined && children !== null)
            span.setAttribute('quire.extraction.children', children.children);
          if (!(await documents.completeExtraction(job, owner, outcome.result, signal, staging)))
            throw new LeaseLost(job.id);
        });
      } finally {
        await staging.discard();
      }
    },

    async onRequeued(job) {
      if (job.document_id !== null) await documents.markPending(job.tenant_id, job.document_id);
    },

    async onFinalFailure(job, failure) {
      if (job.document_id === null) return;
      await documents.markFailed(job.tenant_id, job.document_id, failure, job.request_id);
      // What an attempt staged and could not drop (its process died) goes with the document's end.
      await documents.discardStagedPages(job.tenant_id, job.document_id);
    },
  };
}
