/**
 * Runs one extraction off the main thread, and the types it speaks. A task names a file on disk,
 * never its bytes; a result is plain data that crosses the thread boundary by structured clone.
 * Bad input comes back as a failed outcome with its code (so the code survives the boundary); a
 * worker that crashed, ran out of heap or overran its time rejects with a Failure WORKER_CRASHED or
 * EXTRACTION_TIMEOUT (retryable: another attempt on a fresh worker may succeed); an abort through the signal rejects
 * with the signal's reason.
 */

/** The media types extraction understands (detection lives in domain/media-type.ts). */
export const SUPPORTED_MEDIA_TYPES = [
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'text/html',
  'text/markdown',
  'text/plain',
  'text/csv',
  'application/json',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/epub+zip',
  'message/rfc822',
  'image/png',
  'image/jpeg',
  'image/tiff',
  'image/webp',
  'application/rtf',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
] as const;
export type SupportedMediaType = (typeof SUPPORTED_MEDIA_TYPES)[number];

export interface ExtractionLimits {
  /** A document with more pages than this fails with UNPROCESSABLE_DOCUMENT before extracting. */
  maxPages: number;
  /** Cap on the total uncompressed size of a zip-based document's entries (zip bombs). */
  maxUnzippedBytes: number;
  /** Cap on the extracted text of one document, in characters (later text is dropped). */
  maxTextChars: number;
  /** OCR at most this many pages of a document without a text layer. */
  maxOcrPages: number;
  /** Spreadsheets (XLSX, ODS): cells past this many rows or columns of a sheet are dropped. */
  maxSheetRows: number;
  maxSheetColumns: number;
  /** Spreadsheets: extract hidden sheets too (skipped otherwise). */
  includeHiddenSheets: boolean;
}

/** What reads a PDF's text (QUIRE_PDF_ENGINE); see docs/adr/0008-pdf-engine.md. */
export const PDF_ENGINES = ['pdfjs', 'pdfium'] as const;
export type PdfEngine = (typeof PDF_ENGINES)[number];
/** The engine a task or process that names none uses (ADR 0008, step 4). */
export const DEFAULT_PDF_ENGINE: PdfEngine = 'pdfium';

export interface ExtractionTask {
  /** Absolute path of a readable, plaintext copy of the document. */
  path: string;
  /** One of SUPPORTED_MEDIA_TYPES. */
  mediaType: string;
  filename: string | null;
  /** For encrypted PDFs. */
  password?: string;
  limits: ExtractionLimits;
  /** OCR pages without a text layer (QUIRE_OCR=on). */
  ocr: boolean;
  /** What reads PDFs (default DEFAULT_PDF_ENGINE). */
  pdfEngine?: PdfEngine;
  /** LibreOffice for legacy Office formats; absent where no `soffice` is installed. */
  libreOffice?: LibreOfficeRuntime;
  /**
   * PDF only: extract just these pages (the document's metadata and outline come with the range
   * that starts at page 1). `limits.maxPages` is still checked against the whole document.
   */
  pageRange?: PageRange;
}

/** Pages `first` to `last`, 1-based and inclusive. */
export interface PageRange {
  first: number;
  last: number;
}

/** How legacy Office files are converted: LibreOffice in a child process, bounded. */
export interface LibreOfficeRuntime {
  /** Absolute path of the `soffice` binary. */
  path: string;
  /** The conversion is killed (with its process group) after this long. */
  timeoutMs: number;
  /** Address-space limit of the conversion process, in MiB. */
  memoryMb: number;
  /**
   * Where conversions make their work directories (default: the system temp dir). The extraction
   * pool gives each task its own and removes it, with any conversion still running, however the
   * task ends.
   */
  workRoot?: string;
}

/** A file attached to an e-mail, as listed in its metadata. */
export interface ExtractedAttachment {
  filename: string | null;
  media_type: string;
  size_bytes: number;
}

/** An e-mail's headers. */
export interface ExtractedEmail {
  from?: string;
  to?: string;
  cc?: string;
  /** RFC 3339. */
  date?: string;
  message_id?: string;
}

export interface ExtractedPage {
  /** 1-based. Formats without pages (text, HTML, DOCX, CSV, JSON) produce pages of their own. */
  number: number;
  /** Plain text: words separated by spaces, paragraphs by blank lines. */
  text: string;
  /** The same content as Markdown (headings, lists, tables where the format has them). */
  markdown: string;
}

export interface OutlineItem {
  title: string;
  page: number | null;
  children: OutlineItem[];
}

export interface ExtractedMetadata {
  title?: string;
  author?: string;
  /** RFC 3339 when the format records it. */
  created?: string;
  /** RFC 3339: when it was last modified, where the format records it. */
  modified?: string;
  language?: string;
  subject?: string;
  keywords?: string;
  producer?: string;
  outline?: OutlineItem[];
  /** E-mail (message/rfc822) only. */
  email?: ExtractedEmail;
  /** E-mail only: its attachments (not extracted). */
  attachments?: ExtractedAttachment[];
}

export interface ExtractionResult {
  pages: ExtractedPage[];
  /** Pages in the source (the PDF's page count; pages produced for other formats). */
  pageCount: number;
  metadata: ExtractedMetadata;
  /** True for a PDF whose pages carry no text layer (and that OCR did not fill). */
  needsOcr: boolean;
  /** True when maxTextChars cut the text, or a sheet's bounds cut its cells. */
  truncated: boolean;
}

export const EXTRACTION_FAILURE_CODES = [
  'DOCUMENT_ENCRYPTED',
  'DOCUMENT_CORRUPT',
  'UNSUPPORTED_FORMAT',
  'UNPROCESSABLE_DOCUMENT',
  'PAYLOAD_TOO_LARGE',
  'OCR_REQUIRED',
] as const;
export type ExtractionFailureCode = (typeof EXTRACTION_FAILURE_CODES)[number];

export function isExtractionFailureCode(code: string): code is ExtractionFailureCode {
  return (EXTRACTION_FAILURE_CODES as readonly string[]).includes(code);
}

export type ExtractionOutcome =
  | { ok: true; result: ExtractionResult }
  | { ok: false; code: ExtractionFailureCode; message: string };

/** Reports progress: `done` of `total` pages. Called often; the caller throttles. */
export type ProgressReporter = (done: number, total: number) => void;

export interface ExtractOptions {
  signal: AbortSignal;
  onProgress: ProgressReporter;
  /**
   * Pages read while the extraction goes on (a split PDF's, range by range, in no set order), so
   * they can be stored before it ends. The outcome still carries every page; its text budget may
   * have cut or dropped some of these, and a failed outcome voids them.
   */
  onPages?: (pages: ExtractedPage[]) => void;
}

export interface Extractor {
  /** How many extractions run at once. */
  readonly concurrency: number;
  extract(task: ExtractionTask, options: ExtractOptions): Promise<ExtractionOutcome>;
  /** Waits for running extractions to end (they are aborted by their signals), then stops. */
  close(): Promise<void>;
}
