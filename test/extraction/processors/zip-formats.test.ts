/**
 * The zip-based processors' limits and refusals (their content is checked through HTTP in
 * test/http/routes/convert/zip-formats.test.ts): sheet bounds, hidden sheets on request, the page
 * limit, maxUnzippedBytes, files that are not what they claim, and DRM-encrypted EPUB.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import JSZip from 'jszip';
import * as office from '../../fixtures/office-documents.js';
import { dir, extract, failure, LIMITS } from './setup.js';

const TYPES = {
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  epub: 'application/epub+zip',
} as const;
type Format = keyof typeof TYPES;

const MAKERS: Record<Format, () => Promise<Buffer>> = {
  pptx: office.pptxBytes,
  xlsx: office.xlsxBytes,
  odt: office.odtBytes,
  ods: office.odsBytes,
  odp: office.odpBytes,
  epub: office.epubBytes,
};

async function save(name: string, bytes: Buffer | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

const zipOf = async (files: Record<string, string>): Promise<Buffer> => {
  const zip = new JSZip();
  for (const [name, content] of Object.entries(files)) zip.file(name, content);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
};

/** An ODS whose one sheet repeats "x" over every row and column a sheet can have. */
const repeatedOds = (): Promise<Buffer> =>
  zipOf({
    mimetype: 'application/vnd.oasis.opendocument.spreadsheet',
    'content.xml':
      '<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet>' +
      '<table:table table:name="Full"><table:table-row table:number-rows-repeated="1048576">' +
      '<table:table-cell table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell>' +
      '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>',
  });

describe('zip-based formats: limits and refusals', () => {
  test('an ODS filled to 1,048,576 × 16,384 keeps only the bounds, flagged truncated', async () => {
    const path = await save('full.ods', await repeatedOds());
    const started = performance.now();
    const result = await extract(path, TYPES.ods, {
      limits: { ...LIMITS, maxSheetRows: 50, maxSheetColumns: 7 },
    });
    assert.ok(performance.now() - started < 5000);
    assert.equal(result.truncated, true);
    const lines = (result.pages[0]?.text ?? '').split('\n');
    // The name, a blank line, the first row as the header, then 49 rows, each of 7 cells.
    assert.equal(lines.length, 2 + 50);
    assert.equal(lines[2], Array(7).fill('x').join(' | '));
  });

  test('an XLSX with rows and columns past the bounds is cut and flagged', async () => {
    const path = await save('bounded.xlsx', await office.xlsxBytes());
    const result = await extract(path, TYPES.xlsx, {
      limits: { ...LIMITS, maxSheetRows: 2, maxSheetColumns: 2 },
    });
    assert.equal(result.truncated, true);
    assert.equal(result.pages[0]?.text, 'Sales\n\nRegion | Month\nEurope | 2024-01-01');
  });

  test('hidden sheets are pages too when asked for', async () => {
    const xlsx = await extract(await save('hidden.xlsx', await office.xlsxBytes()), TYPES.xlsx, {
      limits: { ...LIMITS, includeHiddenSheets: true },
    });
    assert.deepEqual(
      xlsx.pages.map((page) => page.text.split('\n')[0]),
      ['Sales', 'Plans', 'Checks'],
    );
    assert.match(xlsx.pages[1]?.text ?? '', /Secret plan/);
    const ods = await extract(await save('hidden.ods', await office.odsBytes()), TYPES.ods, {
      limits: { ...LIMITS, includeHiddenSheets: true },
    });
    assert.deepEqual(
      ods.pages.map((page) => page.text.split('\n')[0]),
      ['Budget', 'Scratch', 'Notes'],
    );
  });

  test('more slides, sheets or chapters than maxPages: UNPROCESSABLE_DOCUMENT', async () => {
    for (const format of ['pptx', 'odp', 'xlsx', 'ods', 'epub'] as const) {
      const path = await save(`pages.${format}`, await MAKERS[format]());
      await failure(path, TYPES[format], 'UNPROCESSABLE_DOCUMENT', {
        limits: { ...LIMITS, maxPages: 1 },
      });
    }
  });

  test('maxUnzippedBytes applies to every zip-based format', async () => {
    for (const format of Object.keys(TYPES) as Format[]) {
      const path = await save(`small-cap.${format}`, await MAKERS[format]());
      const message = await failure(path, TYPES[format], 'PAYLOAD_TOO_LARGE', {
        limits: { ...LIMITS, maxUnzippedBytes: 1024 },
      });
      assert.match(message, new RegExp(`The ${format.toUpperCase()} unpacks to`));
    }
  });

  test('not a zip, or a zip without the parts of its format: DOCUMENT_CORRUPT', async () => {
    const text = await save('plain.bin', 'just some words, not a zip');
    const other = await save('other.zip', await zipOf({ 'hello.txt': 'not a document' }));
    for (const format of Object.keys(TYPES) as Format[]) {
      await failure(text, TYPES[format], 'DOCUMENT_CORRUPT');
      await failure(other, TYPES[format], 'DOCUMENT_CORRUPT');
    }
  });

  test('an EPUB whose chapters are encrypted (DRM) is DOCUMENT_ENCRYPTED', async () => {
    const zip = await JSZip.loadAsync(await office.epubBytes());
    zip.file(
      'META-INF/encryption.xml',
      '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">' +
        '<enc:EncryptedData><enc:CipherData><enc:CipherReference URI="OEBPS/text/chapter1.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>',
    );
    const path = await save(
      'drm.epub',
      await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }),
    );
    await failure(path, TYPES.epub, 'DOCUMENT_ENCRYPTED');
  });
});
