/**
 * Tables in PDFs: tables laid out by LibreOffice from known cells (bordered and borderless, a
 * narrow gap between cells that pdf.js joins into one text item, ruled cells with no padding
 * whose text wraps onto several lines) come back as Markdown tables in
 * the page's Markdown, the prose around them as prose; the plain text is unchanged; two-column
 * prose (pdf-lib) is not taken for a table. A ruled table beside an image keeps its cells: the
 * ruling lines are read with images dropped from the operator list.
 * Both engines: PDFium reads the ruling lines from its own page objects (no page handed to
 * pdf.js) and gives the Markdown pdf.js gives, however the rulings are drawn (stroked lines, thin
 * filled rectangles, a scaling `cm`, a form XObject, a rotated or offset page; white rulings
 * are none).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { encodePng, renderBitmapText } from '../../fixtures/documents.js';
import * as fixtures from '../../fixtures/other-formats.js';
import {
  KEEPERS,
  KEEPERS_MARKDOWN,
  LIGHTHOUSES,
  markdownTables,
  PLANETS,
  PROSE,
  tablesHtml,
} from '../../fixtures/pdf-tables.js';
import { RULED_TABLE_DRAWINGS, writeRuledTablePdf } from '../../fixtures/ruled-table-pdfs.js';
import { extractPdfium } from '../../../src/extraction/processors/pdf-pdfium.js';
import { PDF_ENGINES } from '../../../src/ports/extractor.js';
import { dir, extract, task } from './setup.js';

const PDF = 'application/pdf';

describe('tables in PDFs', { timeout: 180_000 }, () => {
  let bordered = '';
  let borderless = '';
  let wrapped = '';
  before(async () => {
    assert.ok(
      fixtures.hasSoffice(),
      'soffice is not installed: apt-get install libreoffice-core-nogui libreoffice-writer-nogui (.ci/run does)',
    );
    await writeFile(join(dir, 'bordered.html'), tablesHtml([LIGHTHOUSES, PLANETS]));
    bordered = fixtures.sofficeConvert(join(dir, 'bordered.html'), 'pdf:writer_pdf_Export', dir);
    await writeFile(join(dir, 'plain.html'), tablesHtml([PLANETS], { border: false }));
    borderless = fixtures.sofficeConvert(join(dir, 'plain.html'), 'pdf:writer_pdf_Export', dir);
    await writeFile(join(dir, 'wrapped.html'), tablesHtml([KEEPERS], { padding: 0, width: 300 }));
    wrapped = fixtures.sofficeConvert(join(dir, 'wrapped.html'), 'pdf:writer_pdf_Export', dir);
  });

  /**
   * The PDFium engine's Markdown, and its pages with text it handed to pdf.js (a page without
   * text, as LibreOffice leaves first here, still goes to pdf.js for the textless check).
   */
  async function readByPdfium(path: string): Promise<{ markdown: string; handedOver: number[] }> {
    const handedOver: number[] = [];
    const result = await extractPdfium(
      task(path, PDF, { pdfEngine: 'pdfium' }),
      () => undefined,
      undefined,
      (page) => handedOver.push(page),
    );
    const withText = new Set(
      result.pages.filter((page) => page.text.length > 0).map((page) => page.number),
    );
    return {
      markdown: result.pages.map((page) => page.markdown).join('\n\n'),
      handedOver: handedOver.filter((page) => withText.has(page)),
    };
  }

  describe('PDFium reads the rulings itself, as pdf.js reads them', () => {
    test("LibreOffice's ruled tables: no page handed to pdf.js, pdf.js' Markdown", async () => {
      for (const path of [bordered, wrapped]) {
        const pdfium = await readByPdfium(path);
        assert.deepEqual(pdfium.handedOver, []);
        const pdfjs = await extract(path, PDF, { pdfEngine: 'pdfjs' });
        assert.equal(pdfium.markdown, pdfjs.pages.map((page) => page.markdown).join('\n\n'));
      }
    });

    for (const drawing of RULED_TABLE_DRAWINGS)
      test(`a ruled table drawn with ${drawing}: the same cells from both engines`, async () => {
        const path = await writeRuledTablePdf(dir, drawing);
        const pdfium = await readByPdfium(path);
        assert.deepEqual(pdfium.handedOver, []);
        const pdfjs = (await extract(path, PDF, { pdfEngine: 'pdfjs' })).pages[0]?.markdown ?? '';
        // Wrapped cells: only the rulings make these rows (the text alone gives a row per line).
        const tables = markdownTables(pdfium.markdown);
        if (drawing === 'grey-extra-rulings') {
          // The control: the same rulings not white split the first and last columns.
          assert.equal(tables.length, 1);
          assert.equal(tables[0]?.[0]?.length, 5, pdfium.markdown);
        } else assert.deepEqual(tables, [KEEPERS], pdfium.markdown);
        assert.deepEqual(tables, markdownTables(pdfjs));
        assert.equal(pdfium.markdown, pdfjs);
      });
  });

  // Both engines: PDFium reads ruled tables' rulings from its own page objects, and lays out
  // aligned tables from its own characters.
  for (const pdfEngine of PDF_ENGINES)
    describe(pdfEngine, () => {
      test('a ruled table with no padding and wrapped cells: cells from the ruling grid', async () => {
        const result = await extract(wrapped, PDF, { pdfEngine });
        const markdown = result.pages.map((page) => page.markdown).join('\n\n');
        // Text against the rules runs cells together ("Longstone 1826" is one text item) and a
        // wrapped cell is several lines: only the ruling lines tell the cells apart.
        assert.ok(markdown.includes(`\n\n${KEEPERS_MARKDOWN}\n\nThe keepers logged`), markdown);
        assert.deepEqual(markdownTables(markdown), [KEEPERS]);
        assert.doesNotMatch(result.pages.map((page) => page.text).join('\n'), /\|/);
      });

      test('ruled tables come back cell for cell as Markdown tables, between the prose', async () => {
        const result = await extract(bordered, PDF, { pdfEngine });
        const markdown = result.pages.map((page) => page.markdown).join('\n\n');
        assert.deepEqual(markdownTables(markdown), [LIGHTHOUSES, PLANETS]);
        assert.match(
          markdown,
          /\| Station \| Nights \| Keeper \|\n\| --- \| --- \| --- \|\n\| Longstone \| 92 \| Grace Darling \|/,
        );
        // The prose between the tables stays prose, a block of its own.
        assert.match(
          markdown,
          /\| Eddystone \| 7 \| Henry Winstanley \|\n\nThe keepers logged [^|]+\sboard\.\n\n\| Planet \|/,
        );
        // Plain text is left as it was: words in reading order, no table syntax.
        assert.doesNotMatch(result.pages.map((page) => page.text).join('\n'), /\|/);
      });

      test('a ruled table on a page that also paints an image keeps its cells', async () => {
        const pdf = await PDFDocument.create();
        const font = await pdf.embedFont(StandardFonts.Helvetica);
        const page = pdf.addPage([612, 792]);
        const { width, height, pixels } = renderBitmapText('HELLO');
        page.drawImage(await pdf.embedPng(encodePng(width, height, pixels)), {
          x: 50,
          y: 450,
          width,
          height,
        });
        const columns = [50, 200, 300, 520];
        const rows = LIGHTHOUSES.map((_, index) => 720 - index * 24);
        const bottom = 720 - LIGHTHOUSES.length * 24;
        for (const y of [...rows, bottom]) {
          page.drawLine({ start: { x: 50, y }, end: { x: 520, y }, thickness: 0.5 });
        }
        for (const x of columns) {
          page.drawLine({ start: { x, y: 720 }, end: { x, y: bottom }, thickness: 0.5 });
        }
        LIGHTHOUSES.forEach((row, r) =>
          row.forEach((cell, c) =>
            page.drawText(cell, {
              x: (columns[c] ?? 0) + 6,
              y: (rows[r] ?? 0) - 17,
              size: 11,
              font,
            }),
          ),
        );
        const path = join(dir, 'ruled-with-image.pdf');
        await writeFile(path, await pdf.save());
        const result = await extract(path, PDF, { pdfEngine });
        assert.deepEqual(markdownTables(result.pages[0]?.markdown ?? ''), [LIGHTHOUSES]);
        assert.equal(result.needsOcr, false);
      });

      test('a borderless table, its cells a narrow gap apart, comes back too', async () => {
        const result = await extract(borderless, PDF, { pdfEngine });
        const markdown = result.pages.map((page) => page.markdown).join('\n\n');
        assert.deepEqual(markdownTables(markdown), [PLANETS]);
      });

      test('two columns of prose are not a table', async () => {
        const pdf = await PDFDocument.create();
        const font = await pdf.embedFont(StandardFonts.Helvetica);
        const page = pdf.addPage([612, 792]);
        const words = PROSE.split(' ');
        for (let line = 0; line < 12; line++) {
          const text = words.slice(line % 5, (line % 5) + 9).join(' ');
          page.drawText(text, { x: 50, y: 700 - line * 14, size: 11, font });
          page.drawText(text, { x: 320, y: 700 - line * 14, size: 11, font });
        }
        const path = join(dir, 'two-columns.pdf');
        await writeFile(path, await pdf.save());
        const result = await extract(path, PDF, { pdfEngine });
        assert.deepEqual(markdownTables(result.pages[0]?.markdown ?? ''), []);
      });
    });
});
