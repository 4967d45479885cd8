/** DOCX extraction: Markdown, text, metadata and pages; zip bombs and damaged files. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import * as fixtures from '../../fixtures/documents.js';
import { dir, DOCX, extract, failure, LIMITS } from './setup.js';

describe('DOCX', () => {
  test('extracts Markdown, text, metadata and pages of about 3,000 characters', async () => {
    const result = await extract(await fixtures.writeDocx(dir), DOCX);
    assert.deepEqual(result.metadata, fixtures.DOCX_METADATA);
    assert.equal(result.pageCount, result.pages.length);
    assert.ok(result.pages.length >= 2, `${result.pages.length} pages`);
    const first = result.pages[0];
    assert.ok(first !== undefined);
    assert.ok(
      first.markdown.startsWith(
        '# Quire Word Fixture\n\nAn opening with **bold words** and _italic ones_.\n\n## Details',
      ),
    );
    assert.ok(
      first.text.startsWith('Quire Word Fixture\n\nAn opening with bold words and italic ones.'),
    );
    for (const page of result.pages) assert.ok(page.text.length <= 3000, `${page.text.length}`);
    // Every paragraph is whole, on exactly one page, in order.
    let lastPage = 1;
    for (let index = 1; index <= fixtures.DOCX_PARAGRAPHS; index++) {
      const holders = result.pages.filter((page) =>
        page.text.includes(fixtures.docxParagraph(index)),
      );
      assert.equal(holders.length, 1, `paragraph ${index}`);
      assert.ok((holders[0]?.number ?? 0) >= lastPage);
      lastPage = holders[0]?.number ?? 0;
    }
    assert.deepEqual(result.progress.at(-1), [result.pages.length, result.pages.length]);
  });

  test('a zip bomb is PAYLOAD_TOO_LARGE, refused without inflating it', async () => {
    const path = await fixtures.writeZipBombDocx(dir);
    const started = performance.now();
    const message = await failure(path, DOCX, 'PAYLOAD_TOO_LARGE');
    assert.match(message, /629146/);
    assert.ok(performance.now() - started < 1000);
  });

  test('sizes declared in ZIP64 extra fields count', async () => {
    const path = await fixtures.writeZip64ClaimDocx(dir);
    assert.match(await failure(path, DOCX, 'PAYLOAD_TOO_LARGE'), /5368709/);
  });

  test('maxUnzippedBytes applies to ordinary DOCX files too', async () => {
    const path = await fixtures.writeDocx(dir);
    await failure(path, DOCX, 'PAYLOAD_TOO_LARGE', {
      limits: { ...LIMITS, maxUnzippedBytes: 2000 },
    });
  });

  test('not a zip, an empty file, or a zip without word/document.xml: DOCUMENT_CORRUPT', async () => {
    const text = join(dir, 'plain.docx');
    await writeFile(text, 'this is not a zip file at all, just words');
    await failure(text, DOCX, 'DOCUMENT_CORRUPT');
    await failure(await fixtures.writeEmptyFile(dir, 'empty.docx'), DOCX, 'DOCUMENT_CORRUPT');
    await failure(await fixtures.writeZipWithoutDocument(dir), DOCX, 'DOCUMENT_CORRUPT');
  });

  test('a damaged document part is DOCUMENT_CORRUPT', async () => {
    const bytes = await fixtures.docxWithDocumentXml('<w:document><w:body><w:p>');
    const path = join(dir, 'broken-xml.docx');
    await writeFile(path, bytes);
    await failure(path, DOCX, 'DOCUMENT_CORRUPT');
  });
});
