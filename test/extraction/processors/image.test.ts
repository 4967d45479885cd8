/** Images: OCR of PNG, JPEG, WebP (lossy and lossless) and multi-page TIFF; OCR_REQUIRED without OCR; sizes refused from the header. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as fixtures from '../../fixtures/other-formats.js';
import { dir, extract, failure, LIMITS } from './setup.js';

async function file(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('images', { timeout: 120_000 }, () => {
  test('a PNG is read by OCR, one page', async () => {
    const result = await extract(
      await file('a.png', fixtures.textPng('HELLO WORLD')),
      'image/png',
      {
        ocr: true,
      },
    );
    assert.equal(result.pages.length, 1);
    assert.equal(result.pages[0]?.text, 'HELLO WORLD');
    assert.equal(result.pages[0]?.markdown, 'HELLO WORLD');
    assert.equal(result.needsOcr, false);
  });

  test('a JPEG is read by OCR', async () => {
    const result = await extract(
      await file('a.jpg', fixtures.textJpeg('HELLO CODE')),
      'image/jpeg',
      {
        ocr: true,
      },
    );
    assert.equal(result.pages[0]?.text, 'HELLO CODE');
  });

  test('a lossy and a lossless WebP are read by OCR; without OCR, OCR_REQUIRED', async () => {
    const lossy = await file('a.webp', fixtures.textWebp('HELLO WORLD'));
    const result = await extract(lossy, 'image/webp', { ocr: true });
    assert.equal(result.pages.length, 1);
    assert.equal(result.pages[0]?.text, 'HELLO WORLD');
    const lossless = await file('b.webp', fixtures.textWebp('OCR CODE', { lossless: true }));
    assert.equal((await extract(lossless, 'image/webp', { ocr: true })).pages[0]?.text, 'OCR CODE');
    assert.match(await failure(lossy, 'image/webp', 'OCR_REQUIRED'), /OCR/);
  });

  test('a multi-page TIFF gives a page per frame, up to maxOcrPages', async () => {
    const path = await file('pages.tif', fixtures.textTiff(['HELLO', 'OCR WORLD', 'CODE']));
    const result = await extract(path, 'image/tiff', {
      ocr: true,
      limits: { ...LIMITS, maxOcrPages: 2 },
    });
    assert.deepEqual(
      result.pages.map((page) => page.number),
      [1, 2, 3],
    );
    assert.equal(result.pages[0]?.text, 'HELLO');
    assert.match(result.pages[1]?.text ?? '', /OCR WORLD/);
    // The third frame was over the OCR budget: not read, and said so.
    assert.equal(result.pages[2]?.text, '');
    assert.equal(result.needsOcr, true);
  });

  test('with OCR off, an image fails OCR_REQUIRED rather than giving an empty document', async () => {
    const message = await failure(
      await file('off.png', fixtures.textPng('HELLO')),
      'image/png',
      'OCR_REQUIRED',
    );
    assert.match(message, /QUIRE_OCR=on/);
  });

  test('a 40,000-pixel-wide image is refused from its header, without decoding', async () => {
    const path = await file('huge.png', fixtures.hugePngHeader(40_000, 100));
    const started = performance.now();
    assert.match(
      await failure(path, 'image/png', 'PAYLOAD_TOO_LARGE', { ocr: true }),
      /40000 × 100 pixels/,
    );
    // Far below what starting OCR alone costs (~0.5 s).
    assert.ok(performance.now() - started < 300, `${performance.now() - started} ms`);
  });

  test('a TIFF frame over the bounds is refused before any is decoded', async () => {
    const tiff = fixtures.textTiff(['HELLO']);
    // ImageWidth is the first IFD entry's value (IFD at 8: count, then tag, type, count, value).
    tiff.writeUInt32LE(40_000, 8 + 2 + 8);
    assert.match(
      await failure(await file('huge.tif', tiff), 'image/tiff', 'PAYLOAD_TOO_LARGE', {
        ocr: true,
      }),
      /40000 ×/,
    );
  });

  test('bytes that are not an image are DOCUMENT_CORRUPT', async () => {
    await failure(
      await file('bad.png', fixtures.textPng('HELLO').subarray(0, 16)),
      'image/png',
      'DOCUMENT_CORRUPT',
      {
        ocr: true,
      },
    );
  });
});
