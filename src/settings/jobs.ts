/** The background side: job retries and leases, extraction threads and their limits, and OCR. */
import { availableParallelism } from 'node:os';
import { DEFAULT_PDF_ENGINE, PDF_ENGINES, type PdfEngine } from '../ports/extractor.js';
import { boolean, integer, oneOf, text } from './parsers.js';
import type { SettingsTable } from './setting.js';

/** Retries, polling and leases of background jobs. */
export interface JobQueueConfig {
  jobRetryBaseMs: number;
  workerPollMs: number;
  jobLeaseMs: number;
  jobMaxAttempts: number;
}

export const JOB_QUEUE_SETTINGS: SettingsTable<JobQueueConfig> = {
  jobRetryBaseMs: {
    key: 'jobRetryBaseMs',
    env: 'QUIRE_JOB_RETRY_BASE_MS',
    default: '5000',
    parse: integer(10, 3600000),
    description:
      'First retry delay of a failed job; doubled each attempt, jittered, capped at 15 minutes.',
  },
  workerPollMs: {
    key: 'workerPollMs',
    env: 'QUIRE_WORKER_POLL_MS',
    default: '250',
    parse: integer(10, 60000),
    description:
      'How often an idle worker looks for due jobs (a job enqueued by its own process wakes it at once).',
  },
  jobLeaseMs: {
    key: 'jobLeaseMs',
    env: 'QUIRE_JOB_LEASE_MS',
    default: '8000',
    parse: integer(1000, 3600000),
    description:
      'How long a worker holds a job without a heartbeat (sent every quarter of it, at least every second); a job whose worker died is taken over within this plus an eighth of it and a poll (9.3 s by default). A worker that cannot renew its lease this long abandons the job.',
  },
  jobMaxAttempts: {
    key: 'jobMaxAttempts',
    env: 'QUIRE_JOB_MAX_ATTEMPTS',
    default: '3',
    parse: integer(1, 50),
    description: 'Attempts of a job before a retryable failure makes it `dead`.',
  },
};

/** Extraction worker threads and what one document may take of them. */
export interface ExtractionConfig {
  extractionWorkers: number;
  extractionTimeoutMs: number;
  extractionHeapMb: number;
  extractionRecycleAfter: number;
  extractionWarmThreads: number;
  extractionIdleRecycleMs: number;
  extractionNice: number;
  extractionSplitMinPages: number;
  largeDocumentBytes: number;
  maxPages: number;
  pdfEngine: PdfEngine;
  maxUnzippedBytes: number;
  maxExtractedChars: number;
  sheetMaxRows: number;
  sheetMaxColumns: number;
  sheetHidden: 'skip' | 'include';
  emailMaxAttachments: number;
  emailAttachmentDepth: number;
}

export const EXTRACTION_SETTINGS: SettingsTable<ExtractionConfig> = {
  extractionWorkers: {
    key: 'extractionWorkers',
    env: 'QUIRE_EXTRACTION_WORKERS',
    default: () => String(availableParallelism()),
    parse: integer(1, 256),
    description: 'Extraction worker threads per worker process (default: the CPU count).',
  },
  extractionTimeoutMs: {
    key: 'extractionTimeoutMs',
    env: 'QUIRE_EXTRACTION_TIMEOUT_MS',
    default: '300000',
    parse: integer(100, 24 * 3600000),
    description:
      'Longest extraction of one document; past it the worker thread is stopped and the job fails with EXTRACTION_TIMEOUT (retried).',
  },
  extractionHeapMb: {
    key: 'extractionHeapMb',
    env: 'QUIRE_EXTRACTION_HEAP_MB',
    default: '1024',
    parse: integer(16, 65536),
    description:
      'Heap cap of one extraction worker thread; a thread that exceeds it is replaced and its job retried as WORKER_CRASHED.',
  },
  extractionRecycleAfter: {
    key: 'extractionRecycleAfter',
    env: 'QUIRE_EXTRACTION_RECYCLE_AFTER',
    default: '200',
    parse: integer(1, 1000000),
    description: 'An extraction worker thread is replaced after this many documents.',
  },
  extractionWarmThreads: {
    key: 'extractionWarmThreads',
    env: 'QUIRE_EXTRACTION_WARM_THREADS',
    default: '1',
    parse: integer(0, 256),
    description:
      'Extraction threads a process that runs jobs starts at once and keeps while idle, each warmed up (its PDF engine loaded) before the first job, readiness waiting for them (at most 30 s); the others start on demand and exit after 30 s idle. API-only processes start none.',
  },
  extractionIdleRecycleMs: {
    key: 'extractionIdleRecycleMs',
    env: 'QUIRE_EXTRACTION_IDLE_RECYCLE_MS',
    default: '20000',
    parse: integer(0, 24 * 3600000),
    description:
      'Once no document has been extracted for this long, the extraction threads that ran documents are replaced by fresh warm ones, so the memory a burst took is given back; `0`: never.',
  },
  extractionNice: {
    key: 'extractionNice',
    env: 'QUIRE_EXTRACTION_NICE',
    default: '10',
    parse: integer(0, 19),
    description:
      'Nice increment of extraction worker threads (Linux): with every core extracting, requests are still served first.',
  },
  extractionSplitMinPages: {
    key: 'extractionSplitMinPages',
    env: 'QUIRE_EXTRACTION_SPLIT_MIN_PAGES',
    default: '64',
    parse: integer(0, 1000000),
    description:
      'A PDF with at least this many pages is read at once by its thread and the extraction threads idle when it starts (never waiting for busy ones), its pages handed out in chunks and merged in page order (either PDF engine); not with QUIRE_OCR=on. `0`: never split.',
  },
  largeDocumentBytes: {
    key: 'largeDocumentBytes',
    env: 'QUIRE_LARGE_DOCUMENT_BYTES',
    default: String(8 * 1024 * 1024),
    parse: integer(1),
    description:
      'Documents this big or bigger go to the large lane, which never takes the last worker thread: small documents do not wait behind them.',
  },
  maxPages: {
    key: 'maxPages',
    env: 'QUIRE_MAX_PAGES',
    default: '5000',
    parse: integer(1, 1000000),
    description:
      'A document with more pages fails with UNPROCESSABLE_DOCUMENT before its text is extracted.',
  },
  pdfEngine: {
    key: 'pdfEngine',
    env: 'QUIRE_PDF_ENGINE',
    default: DEFAULT_PDF_ENGINE,
    parse: oneOf(PDF_ENGINES),
    description:
      'What reads PDF text: `pdfium` (PDFium in WebAssembly; pages without a text layer — the `needs_ocr` check and OCR — and PDFs over 256 MiB are still read by pdf.js), or `pdfjs` (pdf.js throughout); see docs/adr/0008-pdf-engine.md.',
  },
  maxUnzippedBytes: {
    key: 'maxUnzippedBytes',
    env: 'QUIRE_MAX_UNZIPPED_BYTES',
    default: String(512 * 1024 * 1024),
    parse: integer(1024),
    description:
      'Largest total uncompressed size of a zip-based document (DOCX, XLSX, PPTX, OpenDocument, EPUB), against zip bombs.',
  },
  maxExtractedChars: {
    key: 'maxExtractedChars',
    env: 'QUIRE_MAX_EXTRACTED_CHARS',
    default: String(100_000_000),
    parse: integer(1000),
    description:
      'Extracted text kept per document, in characters; the rest is dropped and flagged.',
  },
  sheetMaxRows: {
    key: 'sheetMaxRows',
    env: 'QUIRE_SHEET_MAX_ROWS',
    default: '10000',
    parse: integer(1, 1048576),
    description:
      'Spreadsheets (XLSX, ODS): rows of a sheet extracted; later rows are dropped and the document flagged truncated.',
  },
  sheetMaxColumns: {
    key: 'sheetMaxColumns',
    env: 'QUIRE_SHEET_MAX_COLUMNS',
    default: '200',
    parse: integer(1, 16384),
    description:
      'Spreadsheets: columns of a sheet extracted; later columns are dropped and the document flagged truncated.',
  },
  sheetHidden: {
    key: 'sheetHidden',
    env: 'QUIRE_SHEET_HIDDEN',
    default: 'skip',
    parse: oneOf(['skip', 'include'] as const),
    description: 'Spreadsheets: `skip` hidden sheets, or `include` them as pages too.',
  },
  emailMaxAttachments: {
    key: 'emailMaxAttachments',
    env: 'QUIRE_EMAIL_MAX_ATTACHMENTS',
    default: '20',
    parse: integer(0, 1000),
    description:
      'E-mail uploaded with `attachments=extract`: at most this many of its attachments become child documents; later ones stay listed only.',
  },
  emailAttachmentDepth: {
    key: 'emailAttachmentDepth',
    env: 'QUIRE_EMAIL_ATTACHMENT_DEPTH',
    default: '1',
    parse: integer(0, 5),
    description:
      "E-mail with `attachments=extract`: how many levels of attachments become child documents (1: the message's own; 2: also those of messages attached to it).",
  },
};

/** OCR of PDF pages without a text layer. */
export interface OcrConfig {
  ocr: boolean;
  ocrMaxPages: number;
}

export const OCR_SETTINGS: SettingsTable<OcrConfig> = {
  ocr: {
    key: 'ocr',
    env: 'QUIRE_OCR',
    default: 'off',
    parse: boolean,
    description: '`on`: OCR the pages of PDFs without a text layer (tesseract.js, English).',
  },
  ocrMaxPages: {
    key: 'ocrMaxPages',
    env: 'QUIRE_OCR_MAX_PAGES',
    default: '50',
    parse: integer(1, 100000),
    description: 'OCR at most this many pages of one document.',
  },
};

/** LibreOffice for legacy Office formats (.doc, .xls, .ppt). */
export interface LibreOfficeConfig {
  soffice: string;
  sofficeTimeoutMs: number;
  sofficeMemoryMb: number;
}

export const LIBREOFFICE_SETTINGS: SettingsTable<LibreOfficeConfig> = {
  soffice: {
    key: 'soffice',
    env: 'QUIRE_SOFFICE',
    default: 'auto',
    parse: text(1, 4096),
    description:
      '`auto`: legacy Office files (.doc, .xls, .ppt) are converted by the `soffice` found on PATH, if any; `off`: refused (415); or the path of a `soffice` binary.',
  },
  sofficeTimeoutMs: {
    key: 'sofficeTimeoutMs',
    env: 'QUIRE_SOFFICE_TIMEOUT_MS',
    default: '120000',
    parse: integer(1000, 3600000),
    description:
      'A LibreOffice conversion still running after this long is killed with its processes (the document fails UNPROCESSABLE_DOCUMENT).',
  },
  sofficeMemoryMb: {
    key: 'sofficeMemoryMb',
    env: 'QUIRE_SOFFICE_MEMORY_MB',
    default: '4096',
    parse: integer(512, 1048576),
    description: 'Address-space limit of a LibreOffice conversion process, in MiB.',
  },
};

export type JobsConfig = JobQueueConfig & ExtractionConfig & OcrConfig & LibreOfficeConfig;
