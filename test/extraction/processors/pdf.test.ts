/**
 * PDF text extraction on fixtures built at test time: pages, paragraphs, metadata, outline,
 * progress, page and text limits, encrypted files, corrupt files, and image-only pages.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcessor } from '../../../src/extraction/processors/index.js';
import { extractPdfium } from '../../../src/extraction/processors/pdf-pdfium.js';
import { warmUpPdf } from '../../../src/extraction/warm-up-pdf.js';
import { PDF_ENGINES } from '../../../src/ports/extractor.js';
import * as fixtures from '../../fixtures/documents.js';
import { dir, extract, failure, LIMITS, task, totalChars } from './setup.js';

for (const pdfEngine of PDF_ENGINES)
  describe(`PDF (${pdfEngine})`, () => {
    test('extracts each page text on its own page, with paragraphs, metadata and outline', async () => {
      const result = await extract(await fixtures.writeTextPdf(dir), 'application/pdf', {
        pdfEngine,
      });
      assert.equal(result.pageCount, 12);
      assert.equal(result.pages.length, 12);
      result.pages.forEach((page, index) => {
        assert.equal(page.number, index + 1);
        assert.ok(page.text.includes(fixtures.pagePhrase(index + 1)), page.text);
        assert.equal(page.markdown, page.text);
      });
      assert.ok(result.pages[6]?.text.includes('the quick zephyr of page seven'));
      assert.ok(!result.pages[5]?.text.includes('page seven'));
      // Heading, first paragraph (two lines), second paragraph.
      assert.equal(
        result.pages[0]?.text,
        'Chapter heading 1\n\nthe quick zephyr of page one jumps over the lazy dog\n' +
          'and the first paragraph goes on to a second line\n\nA second paragraph closes page 1.',
      );
      const { outline, ...metadata } = result.metadata;
      assert.deepEqual(metadata, {
        ...fixtures.PDF_METADATA,
        producer: 'pdf-lib (https://github.com/Hopding/pdf-lib)',
      });
      assert.deepEqual(outline, [
        {
          title: 'Chapter one',
          page: 1,
          children: [{ title: 'Section seven', page: 7, children: [] }],
        },
        { title: 'Chapter two', page: 10, children: [] },
      ]);
      assert.equal(result.needsOcr, false);
      assert.equal(result.truncated, false);
      assert.deepEqual(
        result.progress,
        Array.from({ length: 12 }, (_, index) => [index + 1, 12]),
      );
    });

    test('reads a title, author and subject found only in XMP metadata', async () => {
      const result = await extract(await fixtures.writeXmpOnlyPdf(dir), 'application/pdf', {
        pdfEngine,
      });
      assert.deepEqual(result.metadata, { ...fixtures.XMP_METADATA, producer: 'pdf-lib' });
    });

    test('refuses more pages than maxPages before extracting any text', async () => {
      const path = await fixtures.writeTextPdf(dir);
      const progress: unknown[] = [];
      const outcome = await runProcessor(
        task(path, 'application/pdf', { pdfEngine, limits: { ...LIMITS, maxPages: 11 } }),
        (...call) => progress.push(call),
      );
      assert.ok(!outcome.ok);
      assert.equal(outcome.code, 'UNPROCESSABLE_DOCUMENT');
      assert.match(outcome.message, /12 pages/);
      assert.deepEqual(progress, []);
    });

    test('cuts the text at maxTextChars and says so', async () => {
      const path = await fixtures.writeTextPdf(dir);
      const result = await extract(path, 'application/pdf', {
        pdfEngine,
        limits: { ...LIMITS, maxTextChars: 300 },
      });
      assert.equal(result.truncated, true);
      assert.ok(totalChars(result) <= 300);
      assert.equal(result.pageCount, 12);
      assert.ok(result.pages.length < 12);
      assert.ok(result.pages[0]?.text.includes(fixtures.pagePhrase(1)));
    });

    describe('encrypted', () => {
      test('qpdf is installed (needed to build the encrypted fixtures)', () => {
        assert.ok(
          fixtures.hasQpdf(),
          'the `qpdf` command is missing: install it (apt-get install qpdf) to test encrypted PDFs',
        );
      });

      test('without a password: DOCUMENT_ENCRYPTED', async () => {
        const path = await fixtures.writeEncryptedPdf(dir, 'user-pw');
        assert.match(
          await failure(path, 'application/pdf', 'DOCUMENT_ENCRYPTED', { pdfEngine }),
          /password is required/,
        );
      });

      test('with a wrong password: DOCUMENT_ENCRYPTED', async () => {
        const path = await fixtures.writeEncryptedPdf(dir, 'user-pw');
        const message = await failure(path, 'application/pdf', 'DOCUMENT_ENCRYPTED', {
          pdfEngine,
          password: 'not-it',
        });
        assert.match(message, /incorrect/);
      });

      test('with the right password: the text', async () => {
        const path = await fixtures.writeEncryptedPdf(dir, 'user-pw');
        const result = await extract(path, 'application/pdf', { pdfEngine, password: 'user-pw' });
        assert.equal(result.pageCount, 2);
        assert.ok(result.pages[1]?.text.includes(fixtures.pagePhrase(2)));
        assert.equal(result.metadata.title, fixtures.PDF_METADATA.title);
      });
    });

    test('a truncated PDF is DOCUMENT_CORRUPT', async () => {
      await failure(await fixtures.writeTruncatedPdf(dir), 'application/pdf', 'DOCUMENT_CORRUPT', {
        pdfEngine,
      });
    });

    test('garbage after a PDF header is DOCUMENT_CORRUPT', async () => {
      await failure(await fixtures.writeGarbagePdf(dir), 'application/pdf', 'DOCUMENT_CORRUPT', {
        pdfEngine,
      });
    });

    test('an empty file is DOCUMENT_CORRUPT', async () => {
      const path = await fixtures.writeEmptyFile(dir, 'empty.pdf');
      await failure(path, 'application/pdf', 'DOCUMENT_CORRUPT', {
        pdfEngine,
      });
    });

    test('a PNG named .pdf is DOCUMENT_CORRUPT', async () => {
      await failure(await fixtures.writePngAsPdf(dir), 'application/pdf', 'DOCUMENT_CORRUPT', {
        pdfEngine,
      });
    });

    test('a word hyphenated at a line end: joined by PDFium (as pdftotext), kept by pdf.js', async () => {
      const result = await extract(await fixtures.writeHyphenatedPdf(dir), 'application/pdf', {
        pdfEngine,
      });
      const [first, second, third] = fixtures.HYPHENATED_LINES;
      assert.equal(
        result.pages[0]?.text,
        pdfEngine === 'pdfium'
          ? `${first?.slice(0, -1)}${second}\n${third}`
          : fixtures.HYPHENATED_LINES.join('\n'),
      );
    });

    test('rotated text stays on one line', async () => {
      const result = await extract(await fixtures.writeRotatedTextPdf(dir), 'application/pdf', {
        pdfEngine,
      });
      assert.equal(result.pages[0]?.text, fixtures.ROTATED_PAGE_TEXT.join('\n\n'));
    });

    test('pages that are only images need OCR', async () => {
      const result = await extract(await fixtures.writeImageOnlyPdf(dir), 'application/pdf', {
        pdfEngine,
      });
      assert.equal(result.needsOcr, true);
      assert.equal(result.pageCount, 1);
      assert.equal(result.pages[0]?.text, '');
    });
  });

// Page ranges and chunks: what the pool hands each thread when it splits a long PDF, on both engines.
for (const pdfEngine of PDF_ENGINES)
  describe(`PDF page ranges (${pdfEngine})`, () => {
    test('a page range reads only those pages, without metadata unless it starts the document', async () => {
      const path = await fixtures.writeTextPdf(dir);
      const middle = await extract(path, 'application/pdf', {
        pdfEngine,
        pageRange: { first: 5, last: 7 },
      });
      assert.equal(middle.pageCount, 12);
      assert.deepEqual(
        middle.pages.map((page) => page.number),
        [5, 6, 7],
      );
      assert.ok(middle.pages[2]?.text.includes(fixtures.pagePhrase(7)));
      assert.deepEqual(middle.metadata, {});
      assert.deepEqual(middle.progress, [
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
      const opening = await extract(path, 'application/pdf', {
        pdfEngine,
        pageRange: { first: 1, last: 2 },
      });
      assert.equal(opening.metadata.title, fixtures.PDF_METADATA.title);
      assert.equal(opening.metadata.outline?.length, 2);
      // The page limit is the whole document's, whatever the range.
      const outcome = await runProcessor(
        task(path, 'application/pdf', {
          pdfEngine,
          pageRange: { first: 1, last: 2 },
          limits: { ...LIMITS, maxPages: 11 },
        }),
        () => undefined,
      );
      assert.ok(!outcome.ok);
      assert.equal(outcome.code, 'UNPROCESSABLE_DOCUMENT');
    });

    test('pages handed out in chunks are read until none is left, each as the whole read gives it', async () => {
      const path = await fixtures.writeTextPdf(dir);
      const whole = await extract(path, 'application/pdf', { pdfEngine });
      const given = [
        { first: 1, last: 4 },
        { first: 9, last: 12 },
      ];
      const counts: number[] = [];
      const progress: [number, number][] = [];
      const outcome = await runProcessor(
        task(path, 'application/pdf', { pdfEngine }),
        (done, total) => progress.push([done, total]),
        (pageCount) => {
          counts.push(pageCount);
          return Promise.resolve(given.shift() ?? null);
        },
      );
      assert.ok(outcome.ok);
      assert.deepEqual(counts, [12, 12, 12]);
      assert.deepEqual(
        outcome.result.pages,
        whole.pages.filter((page) => page.number <= 4 || page.number >= 9),
      );
      assert.deepEqual(outcome.result.metadata, whole.metadata);
      // Progress counts the pages this task read (the pool sums the threads').
      assert.deepEqual(
        progress.map(([done]) => done),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
    });

    test('the text budget runs out within a range as it would reading those pages alone', async () => {
      const path = await fixtures.writeTextPdf(dir);
      const range = await extract(path, 'application/pdf', {
        pdfEngine,
        pageRange: { first: 3, last: 8 },
      });
      const budget = Math.floor(totalChars(range) / 2);
      const cut = await extract(path, 'application/pdf', {
        pdfEngine,
        pageRange: { first: 3, last: 8 },
        limits: { ...LIMITS, maxTextChars: budget },
      });
      assert.equal(cut.truncated, true);
      assert.equal(totalChars(cut), budget);
      assert.ok(cut.pages.length < 6 && cut.pages[0]?.number === 3);
      assert.deepEqual(cut.progress.at(-1), [6, 6], 'progress ends at every page of the range');
    });
  });

describe('PDF page ranges on PDFium, with pages handed to pdf.js', () => {
  test('textless pages go to pdf.js within the ranges read, each page as the whole read gives it', async () => {
    // Pages 2 and 4 are drawings without text (PDFium hands them to pdf.js), pages 1 and 3 text
    // with a ruled table (PDFium reads them itself).
    const path = join(dir, 'drawing-pages.pdf');
    await writeFile(
      path,
      warmUpPdf(4, (page) => (page % 2 === 0 ? 'drawing' : 'ruled')),
    );
    const wholeHandedOver: number[] = [];
    const whole = await extractPdfium(
      task(path, 'application/pdf', { pdfEngine: 'pdfium' }),
      () => undefined,
      undefined,
      (page) => wholeHandedOver.push(page),
    );
    assert.deepEqual(wholeHandedOver, [2, 4]);
    assert.match(whole.pages[0]?.markdown ?? '', /\| r0c0 0 \|/);
    assert.equal(whole.pages[1]?.text, '');
    assert.equal(whole.needsOcr, true, 'pdf.js told the drawing from a blank page');

    const given = [
      { first: 1, last: 1 },
      { first: 4, last: 4 },
    ];
    const handedOver: number[] = [];
    const chunked = await extractPdfium(
      task(path, 'application/pdf', { pdfEngine: 'pdfium' }),
      () => undefined,
      () => Promise.resolve(given.shift() ?? null),
      (page) => handedOver.push(page),
    );
    assert.deepEqual(handedOver, [4]);
    assert.deepEqual(
      chunked.pages,
      whole.pages.filter((page) => page.number === 1 || page.number === 4),
    );

    const rangeHandedOver: number[] = [];
    const range = await extractPdfium(
      task(path, 'application/pdf', { pdfEngine: 'pdfium', pageRange: { first: 2, last: 3 } }),
      () => undefined,
      undefined,
      (page) => rangeHandedOver.push(page),
    );
    assert.deepEqual(rangeHandedOver, [2]);
    assert.deepEqual(range.pages, whole.pages.slice(1, 3));
  });
});
