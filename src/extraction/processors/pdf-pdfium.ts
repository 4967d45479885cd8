/**
 * PDF through PDFium (QUIRE_PDF_ENGINE=pdfium; ADR 0008, steps 1 and 2). Loads the document into
 * this thread's PDFium module (password from the task) once, classifies load failures
 * (FPDF_GetLastError 4 → DOCUMENT_ENCRYPTED, anything else → DOCUMENT_CORRUPT), then reads the
 * task's pages as pdf.ts does (pdf-page-ranges.ts: `maxPages` refused before any page; every
 * page, `task.pageRange`, or the ranges the pool hands out when it splits a long PDF across
 * threads; metadata and outline by the task that reads page 1; progress; the text budget): each
 * page's characters become text items laid out by pdf.ts's own `layoutText` and pdf-tables.ts
 * (lines, paragraphs, aligned tables), line-end hyphens joined; a page that may hold a table (a
 * line with cells a wide gap apart) has its ruling lines read from its path objects
 * (pdfium-rulings.ts) for pdf-rulings' ruled grids, as pdf.ts reads them from pdf.js' operator
 * list.
 *
 * What PDFium does not read yet goes to pdf.js, page by page, through pdf.ts (`openPdfJsPages`,
 * opened on the first such page): a page with almost no text (pdf.js tells a scan from a blank
 * page, makes `needsOcr`, and OCRs it when OCR is on); it reads the same page numbers, so it works
 * within any range. A file larger than PDFIUM_MAX_FILE_BYTES is read wholly by pdf.js (its pages
 * as this task's ranges say).
 * Every PDFium document, page and text page is closed, and its memory freed, however the
 * extraction ends.
 */
import { open } from 'node:fs/promises';
import {
  type ExtractedMetadata,
  type ExtractionResult,
  type ExtractionTask,
  type ProgressReporter,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';
import { ruledGrids } from '../pdf-rulings.js';
import { layoutMarkdown, mayHoldTable } from '../pdf-tables.js';
import type { PagePlanner } from '../types.js';
import { extractPdf, layoutText, openPdfJsPages, type PageScan, type PdfJsPages } from './pdf.js';
import { readPdfPages, type PdfPageSource } from './pdf-page-ranges.js';
import { readMetadata, readOutline } from './pdfium-document.js';
import {
  heapU8,
  PDFIUM_MAX_FILE_BYTES,
  pdfium,
  releaseIfGrown,
  type Pdfium,
} from './pdfium-module.js';
import { joinHyphens, pageItems } from './pdfium-page.js';
import { pdfiumRulings } from './pdfium-rulings.js';

/** A page with fewer non-blank characters than this has no usable text layer (as in pdf.ts). */
const MIN_TEXT_CHARS = 16;
/** FPDF_ERR_PASSWORD. */
const PASSWORD_ERROR = 4;
const LOAD_ERRORS: Record<number, string> = {
  1: 'unknown error',
  2: 'the file could not be opened',
  3: 'not a PDF, or damaged',
  5: 'an unsupported security handler',
  6: 'a page could not be read',
};

const nonBlank = (text: string): number => text.replace(/\s+/g, '').length;

function loadFailure(error: number, password: string | undefined): Failure {
  if (error === PASSWORD_ERROR) {
    return new Failure(
      'DOCUMENT_ENCRYPTED',
      password === undefined
        ? 'The PDF is encrypted: a password is required'
        : 'The PDF password is incorrect',
    );
  }
  return new Failure(
    'DOCUMENT_CORRUPT',
    `The PDF could not be read: ${LOAD_ERRORS[error] ?? `error ${error}`}`,
  );
}

const pageFailure = (number: number): Failure =>
  new Failure('DOCUMENT_CORRUPT', `Page ${number} of the PDF could not be read by PDFium`);

/** Reads the file straight into PDFium's memory at `pointer` (no JavaScript copy). */
async function readInto(lib: Pdfium, path: string, pointer: number, size: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    // No PDFium call runs while this reads, so its memory cannot grow and the view stays valid.
    const target = heapU8(lib).subarray(pointer, pointer + size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(target, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return offset;
  } finally {
    await handle.close();
  }
}

/** Pages PDFium hands to pdf.js, read through one pdf.js document opened on first need. */
class PdfJsFallback {
  private pages: Promise<PdfJsPages> | null = null;

  constructor(private readonly task: ExtractionTask) {}

  private open(): Promise<PdfJsPages> {
    this.pages ??= openPdfJsPages(this.task);
    return this.pages;
  }

  async scan(number: number, seenTextless: boolean): Promise<PageScan> {
    return (await this.open()).scan(number, seenTextless);
  }

  async metadata(): Promise<ExtractedMetadata> {
    return (await this.open()).metadata();
  }

  async close(): Promise<void> {
    const pages = this.pages;
    this.pages = null;
    await pages?.then((opened) => opened.close()).catch(() => undefined);
  }
}

/** The fields pdf.js falls back to XMP for when the Info dictionary lacks them. */
const XMP_FIELDS = [
  'title',
  'author',
  'subject',
  'keywords',
  'producer',
  'language',
  'created',
] as const;
const XMP_PACKET = Buffer.from('x:xmpmeta');

/**
 * PDFium reads the Info dictionary only. Where that leaves a field out and the file carries an
 * XMP packet (written uncompressed by convention, so a byte search finds it), pdf.js' reading
 * (Info, then XMP) fills the missing fields; PDFium's own values stay.
 */
async function withXmp(
  metadata: ExtractedMetadata,
  bytes: Uint8Array,
  fallback: PdfJsFallback,
): Promise<ExtractedMetadata> {
  if (XMP_FIELDS.every((key) => metadata[key] !== undefined)) return metadata;
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(XMP_PACKET) === -1)
    return metadata;
  const fromPdfJs = await fallback.metadata().catch(() => ({}) as ExtractedMetadata);
  const filled: ExtractedMetadata = { ...metadata };
  for (const key of XMP_FIELDS) {
    const value = fromPdfJs[key];
    if (filled[key] === undefined && value !== undefined) Object.assign(filled, { [key]: value });
  }
  return filled;
}

/** The task's pages read by pdf.js. */
async function extractWithPdfJs(
  task: ExtractionTask,
  progress: ProgressReporter,
  nextPages: PagePlanner | undefined,
  handedOver: (page: number) => void,
): Promise<ExtractionResult> {
  const result = await extractPdf(task, progress, nextPages);
  for (const page of result.pages) handedOver(page.number);
  return result;
}

/** Page `number` (1-based) read by PDFium, or handed to pdf.js. */
function scanPage(
  lib: Pdfium,
  doc: number,
  number: number,
  scratch: number,
): { scan: PageScan } | { handOver: true } {
  // Loaded as if unrotated: FPDF_LoadPage orders a /Rotate 90 or 270 page's text by its display
  // orientation, which reads the lines of text upright in user space bottom to top; pdf.js and
  // pdftotext read them top to bottom, as the items' user-space positions (unchanged) say.
  const page = lib.EPDF_LoadPageNormalized(doc, number - 1, 0);
  if (page === 0) throw pageFailure(number);
  try {
    const textPage = lib.FPDFText_LoadPage(page);
    if (textPage === 0) throw pageFailure(number);
    let items;
    try {
      items = pageItems(lib, textPage, scratch);
    } finally {
      lib.FPDFText_ClosePage(textPage);
    }
    const text = joinHyphens(layoutText(items));
    if (nonBlank(text) < MIN_TEXT_CHARS) return { handOver: true };
    // Ruling lines are read (a walk over the page's paths) only where a line of text has cells
    // a wide gap apart, as pdf.ts reads them: prose pages skip it.
    const grids = mayHoldTable(items) ? ruledGrids(pdfiumRulings(lib, page, scratch)) : [];
    return { scan: { text, markdown: joinHyphens(layoutMarkdown(items, grids)), textless: false } };
  } finally {
    lib.FPDF_ClosePage(page);
  }
}

/**
 * The task's pages (every page, `task.pageRange`, or the ranges `nextPages` hands out: the pool
 * splits a long PDF across threads; pdf-page-ranges.ts), the document loaded into PDFium once and
 * its pages read range by range. `handedOver` is told each page read by pdf.js instead
 * (bench/pdf-engines.ts counts them; tests).
 */
export async function extractPdfium(
  task: ExtractionTask,
  progress: ProgressReporter,
  nextPages?: PagePlanner,
  handedOver: (page: number) => void = () => undefined,
): Promise<ExtractionResult> {
  const handle = await open(task.path, 'r');
  const size = await handle
    .stat()
    .then((stats) => stats.size)
    .finally(() => handle.close());
  // WebAssembly memory never shrinks: a file this large is read by pdf.js, under the heap cap.
  if (size > PDFIUM_MAX_FILE_BYTES) return extractWithPdfJs(task, progress, nextPages, handedOver);
  const lib = await pdfium();
  const { malloc, free } = lib.pdfium.wasmExports;
  const data = malloc(Math.max(size, 1));
  const scratch = malloc(64);
  const fallback = new PdfJsFallback(task);
  let doc = 0;
  try {
    if (data === 0 || scratch === 0) {
      return await extractWithPdfJs(task, progress, nextPages, handedOver);
    }
    const read = await readInto(lib, task.path, data, size);
    doc = lib.FPDF_LoadMemDocument(data, read, task.password ?? '');
    if (doc === 0) throw loadFailure(lib.FPDF_GetLastError(), task.password);
    const opened = doc;
    const pageCount = lib.FPDF_GetPageCount(opened);
    const source: PdfPageSource = {
      pageCount,
      async metadata() {
        const outline = readOutline(lib, opened, pageCount);
        // No PDFium call runs between reading the view and searching it.
        const metadata = await withXmp(
          readMetadata(lib, opened),
          heapU8(lib).subarray(data, data + read),
          fallback,
        );
        if (outline.length > 0) metadata.outline = outline;
        return metadata;
      },
      async scan(number, seenTextless) {
        const page = scanPage(lib, opened, number, scratch);
        if ('scan' in page) return page.scan;
        handedOver(number);
        return fallback.scan(number, seenTextless);
      },
    };
    return await readPdfPages(task, source, progress, nextPages);
  } finally {
    if (doc !== 0) lib.FPDF_CloseDocument(doc);
    if (data !== 0) free(data);
    if (scratch !== 0) free(scratch);
    await fallback.close();
    releaseIfGrown(lib);
  }
}
