/** OCR of PDF pages that are only images, up to maxOcrPages, on both PDF engines. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fixtures from '../../fixtures/documents.js';
import { PDF_ENGINES } from '../../../src/ports/extractor.js';
import { dir, extract, LIMITS } from './setup.js';

for (const pdfEngine of PDF_ENGINES)
  describe(`PDF OCR (${pdfEngine})`, () => {
    test('OCR reads image pages, up to maxOcrPages', async () => {
      const path = await fixtures.writeImageOnlyPdf(dir, 2);
      const result = await extract(path, 'application/pdf', {
        pdfEngine,
        ocr: true,
        limits: { ...LIMITS, maxOcrPages: 1 },
      });
      const first = result.pages[0]?.text ?? '';
      assert.match(first, /HELLO/i);
      assert.match(first, /WORLD/i);
      assert.equal(result.pages[0]?.markdown, first);
      // The second page was over the OCR budget: still without text, so the document needs OCR.
      assert.equal(result.pages[1]?.text, '');
      assert.equal(result.needsOcr, true);
      assert.deepEqual(result.progress, [
        [1, 2],
        [2, 2],
      ]);
    });

    test('OCR of every image page clears needsOcr', async () => {
      const result = await extract(await fixtures.writeImageOnlyPdf(dir, 1), 'application/pdf', {
        pdfEngine,
        ocr: true,
      });
      assert.match(result.pages[0]?.text ?? '', /WORLD/i);
      assert.equal(result.needsOcr, false);
    });
  });
