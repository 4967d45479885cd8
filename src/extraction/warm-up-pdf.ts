/**
 * The warm-up PDF: a valid PDF of a few pages like the documents Quire is given, made here with
 * nothing but zlib, so the main thread can make one without loading a PDF engine (the extraction
 * threads read it as they start: warm-up.ts; the main thread's document path at start:
 * src/composition/document-warm-up.ts).
 */
import { deflateSync } from 'node:zlib';
import type { ExtractionLimits, ExtractionTask, PdfEngine } from '../ports/extractor.js';
import { pdfFromObjects } from './pdf-writer.js';

/** What a warm-up PDF is read with: its few pages, text only. */
export const WARM_UP_LIMITS: ExtractionLimits = {
  maxPages: 100,
  maxUnzippedBytes: 1024 * 1024,
  maxTextChars: 1_000_000,
  maxOcrPages: 0,
  maxSheetRows: 1,
  maxSheetColumns: 1,
  includeHiddenSheets: false,
};

/** The task a warm-up PDF at `path` is read as: a job's, text only. */
export function warmUpTask(path: string, pdfEngine: PdfEngine): ExtractionTask {
  return {
    path,
    mediaType: 'application/pdf',
    filename: 'warm-up.pdf',
    limits: WARM_UP_LIMITS,
    ocr: false,
    pdfEngine,
  };
}

const WORDS = (
  'the of and to in a is that for it as was with be by on not he this are or his from at which ' +
  'but have an they you were her she there one all we their can has been if more when will would ' +
  'who so no document text page table value quire extraction thread'
).split(' ');

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
  return pdfFromObjects(objects);
}
