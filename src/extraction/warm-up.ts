/**
 * What an extraction thread does as it starts, before its first job: it extracts a few-page PDF
 * made here, through the same processor a job uses and on the PDF engine the process is set to
 * (QUIRE_PDF_ENGINE, handed from the pool), so the engine is loaded — pdf.js with its standard
 * font data, or PDFium's WebAssembly compiled — and its hot paths compiled before a document waits
 * on them (the first document after start took 2.3× as long as later ones; issue 13). On PDFium
 * the PDF's last page is a drawing without text, which PDFium hands to pdf.js: pdf.js, which reads
 * textless pages (the `needs_ocr` check, OCR) on that engine, is warmed too (about 0.3 s of CPU once, saved on
 * the first document with such a page; ADR 0008). The PDF is written to a temporary folder and
 * removed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { DEFAULT_PDF_ENGINE, type ExtractionLimits, type PdfEngine } from '../ports/extractor.js';
import { runProcessor } from './processors/index.js';

const LIMITS: ExtractionLimits = {
  maxPages: 100,
  maxUnzippedBytes: 1024 * 1024,
  maxTextChars: 1_000_000,
  maxOcrPages: 0,
  maxSheetRows: 1,
  maxSheetColumns: 1,
  includeHiddenSheets: false,
};

/**
 * One pass over the warm-up PDF loads the engine but leaves the thread's JavaScript (layout,
 * tables, text clean-up) mostly unoptimised: V8 optimises a function once it has run a while,
 * and the first 40-page document then took 1.45× as long on its thread as the next ones. So the
 * thread goes on reading text pages, WARM_UP_PAGES in all (about 0.4 s of CPU under tsx, once per
 * thread start): the first document then takes about 1.1× as long as the next.
 */
export const WARM_UP_PAGES = 64;
/** The text-only PDF read after the first pass: aligned and ruled tables in running text. */
const TEXT_PASS_LAYOUTS: WarmUpPage[] = ['aligned', 'ruled', 'aligned', 'aligned'];

const WORDS = (
  'the of and to in a is that for it as was with be by on not he this are or his from at which ' +
  'but have an they you were her she there one all we their can has been if more when will would ' +
  'who so no document text page table value quire extraction thread'
).split(' ');

/** What the pool tells each thread to warm up. */
export interface ExtractionWarmUp {
  /** The process's PDF engine (default DEFAULT_PDF_ENGINE). */
  pdfEngine?: PdfEngine;
}

/** A page of the warm-up PDF: text with a ruled or an aligned table, or a drawing alone. */
export type WarmUpPage = 'ruled' | 'aligned' | 'drawing';

/**
 * Page `number`'s content stream: a heading, running text in two fonts, a table — ruled, or
 * only aligned; or a framed drawing and no text at all.
 */
function pageContent(number: number, layout: WarmUpPage): string {
  if (layout === 'drawing') return '72 400 300 200 re S 72 400 m 372 600 l S 72 600 m 372 400 l S';
  const ruled = layout === 'ruled';
  const operations: string[] = [`BT /F2 16 Tf 72 740 Td (Warm-up page ${number}) Tj ET`];
  for (let line = 0; line < 36; line++) {
    const words = Array.from(
      { length: 12 },
      (_, word) => WORDS[(number * 31 + line * 7 + word * 3) % WORDS.length],
    );
    operations.push(`BT /F1 10 Tf 72 ${712 - line * 14} Td (${words.join(' ')}) Tj ET`);
  }
  // A three-column table, with ruling lines as pdf-rulings.ts and pdf-tables.ts read them.
  for (let row = 0; row <= 4; row++) {
    const y = 190 - row * 20;
    if (ruled) operations.push(`72 ${y} m 372 ${y} l S`);
    if (row < 4) {
      for (const [column, x] of [72, 172, 272].entries()) {
        operations.push(
          `BT /F1 10 Tf ${x + 4} ${y - 14} Td (r${row}c${column} ${row * column}) Tj ET`,
        );
      }
    }
  }
  if (ruled) for (const x of [72, 172, 272, 372]) operations.push(`${x} 190 m ${x} 110 l S`);
  return operations.join('\n');
}

/**
 * A valid PDF of a few pages like the documents Quire is given: a heading and running text in
 * two standard fonts, and a table, on each page, laid out as `layout` says (default ruled), or a
 * drawing without text. Enough of each that the code laying them out is compiled, not just
 * loaded.
 */
export function warmUpPdf(pages = 4, layout: (page: number) => WarmUpPage = () => 'ruled'): Buffer {
  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${5 + i * 2} 0 R`).join(' ')}] /Count ${pages} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
  ];
  // Content streams compressed, as writers do: pdf.js's Flate decoder is warmed too.
  for (let page = 1; page <= pages; page++) {
    const content = deflateSync(Buffer.from(pageContent(page, layout(page)), 'latin1')).toString(
      'latin1',
    );
    const contentsObject = objects.length + 2;
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${contentsObject} 0 R >>`,
      `<< /Length ${content.length} /Filter /FlateDecode >>\nstream\n${content}\nendstream`,
    );
  }
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
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
  const outcome = await runProcessor(
    {
      path,
      mediaType: 'application/pdf',
      filename: 'warm-up.pdf',
      limits: LIMITS,
      ocr: false,
      pdfEngine,
    },
    () => undefined,
  );
  if (!outcome.ok) throw new Error(`the warm-up PDF failed: ${outcome.code} ${outcome.message}`);
  return Math.max(1, outcome.result.pageCount);
}
