/**
 * What an extraction thread does as it starts, before its first job: it extracts warm-up PDFs
 * (warm-up-pdf.ts), through the same processor a job uses and on the PDF engine the process is set to
 * (QUIRE_PDF_ENGINE, handed from the pool), so the engine is loaded — pdf.js with its standard
 * font data, or PDFium's WebAssembly compiled — and its hot paths compiled before a document waits
 * on them (the first document after start took 2.3× as long as later ones; issue 13). On PDFium
 * the PDF's last page is a drawing without text, which PDFium hands to pdf.js: pdf.js, which reads
 * textless pages (the `needs_ocr` check, OCR) on that engine, is warmed too (about 0.3 s of CPU once, saved on
 * the first document with such a page; ADR 0008). Then it reads text-only pages until
 * WARM_UP_PAGES are read. The PDFs are written to a temporary folder and removed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PDF_ENGINE, type PdfEngine } from '../ports/extractor.js';
import { runProcessor } from './processors/index.js';
import { warmUpPdf, warmUpTask, type WarmUpPage } from './warm-up-pdf.js';

/**
 * One pass over the warm-up PDF loads the engine but leaves the thread's JavaScript (layout,
 * tables, text clean-up) mostly unoptimised: V8 optimises a function once it has run a while,
 * and the first 40-page document then took 1.45× as long on its thread as the next ones. So the
 * thread goes on reading text pages, WARM_UP_PAGES in all (about 0.4 s of CPU under tsx, once per
 * thread start): the first document then takes about 1.1× as long as the next.
 */
const WARM_UP_PAGES = 64;
/** The text-only PDF read after the first pass: aligned and ruled tables in running text. */
const TEXT_PASS_LAYOUTS: WarmUpPage[] = ['aligned', 'ruled', 'aligned', 'aligned'];

/** What the pool tells each thread to warm up. */
export interface ExtractionWarmUp {
  /** The process's PDF engine (default DEFAULT_PDF_ENGINE). */
  pdfEngine?: PdfEngine;
}

/**
 * The first pass's PDF for `engine`: on pdf.js a ruled table on every page; on PDFium aligned and
 * ruled tables (it reads both itself), and last a drawing without text, which goes to pdf.js.
 */
function firstPassPdf(engine: PdfEngine): Buffer {
  const layouts: WarmUpPage[] = ['aligned', 'aligned', 'ruled', 'drawing'];
  return engine === 'pdfium'
    ? warmUpPdf(layouts.length, (page) => layouts[page - 1] ?? 'aligned')
    : warmUpPdf(layouts.length);
}

function textPassPdf(): Buffer {
  return warmUpPdf(TEXT_PASS_LAYOUTS.length, (page) => TEXT_PASS_LAYOUTS[page - 1] ?? 'aligned');
}

export async function warmUpExtraction({
  pdfEngine = DEFAULT_PDF_ENGINE,
}: ExtractionWarmUp = {}): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'quire-warm-up-'));
  try {
    const first = join(folder, 'warm-up.pdf');
    const text = join(folder, 'warm-up-text.pdf');
    await writeFile(first, firstPassPdf(pdfEngine));
    await writeFile(text, textPassPdf());
    let pages = await readWarmUpPdf(first, pdfEngine);
    while (pages < WARM_UP_PAGES) pages += await readWarmUpPdf(text, pdfEngine);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Extracts the warm-up PDF at `path` as a job would; its page count. */
async function readWarmUpPdf(path: string, pdfEngine: PdfEngine): Promise<number> {
  const outcome = await runProcessor(warmUpTask(path, pdfEngine), () => undefined);
  if (!outcome.ok) throw new Error(`the warm-up PDF failed: ${outcome.code} ${outcome.message}`);
  return Math.max(1, outcome.result.pageCount);
}
