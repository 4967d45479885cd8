/**
 * Documents through HTTP refused: bad uploads and JSON bodies (400/413, leaving nothing staged or
 * stored), a type that is not supported (415), and a batch out of bounds.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { GIF_BYTES, PNG_BYTES, TINY_PDF, type multipart } from '../../../helpers/multipart.js';
import { assertProblem } from '../../../helpers/problem.js';
import { textWebp } from '../../../fixtures/other-formats.js';
import { DOCS, ingestApp, staged, upload } from './setup.js';

describe('documents: ingest refused', () => {
  let t: TestApp;
  let writer: Record<string, string>;
  before(async () => {
    ({ t, writer } = await ingestApp());
  });

  it('detects PDF and refuses a GIF (415 listing what is supported), even one named .pdf', async () => {
    const pdf = await upload(t, writer, [{ name: 'file', value: TINY_PDF, filename: 'tiny.pdf' }]);
    assert.equal(pdf.statusCode, 202, pdf.body);
    assert.equal(pdf.json().document.media_type, 'application/pdf');
    for (const filename of ['image.gif', 'fake.pdf']) {
      const gif = await upload(t, writer, [{ name: 'file', value: GIF_BYTES, filename }]);
      const body = assertProblem(gif, 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.match(String(body.detail), /application\/pdf/);
    }
    assert.deepEqual(staged(t), []);
  });

  it('refuses an image while OCR is off (422 OCR_REQUIRED), even one named .pdf, storing nothing', async () => {
    const webp = textWebp('HELLO');
    for (const [value, filename] of [
      [PNG_BYTES, 'image.png'],
      [PNG_BYTES, 'fake.pdf'],
      [webp, 'photo.webp'],
      [webp, 'photo.bin'],
    ] as const) {
      const image = await upload(t, writer, [{ name: 'file', value, filename }]);
      const body = assertProblem(image, 422, 'OCR_REQUIRED');
      assert.match(String(body.detail), /QUIRE_OCR=on/);
      assert.match(
        String(body.detail),
        filename.startsWith('photo') ? /image\/webp/ : /image\/png/,
      );
    }
    assert.deepEqual(staged(t), []);
  });

  const badUploads: [string, Parameters<typeof multipart>[0], number, string][] = [
    [
      'a zero-byte file',
      [{ name: 'file', value: Buffer.alloc(0), filename: 'empty.txt' }],
      400,
      'VALIDATION_FAILED',
    ],
    ['no file part', [{ name: 'title', value: 'x' }], 400, 'VALIDATION_FAILED'],
    [
      'two file parts',
      [
        { name: 'file', value: 'one', filename: 'a.txt' },
        { name: 'file', value: 'two', filename: 'b.txt' },
      ],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'metadata that is not an object',
      [
        { name: 'metadata', value: '[1,2]' },
        { name: 'file', value: 'x', filename: 'a.txt' },
      ],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'metadata that is not JSON',
      [
        { name: 'file', value: 'x', filename: 'a.txt' },
        { name: 'metadata', value: '{oops' },
      ],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a 10 MB metadata field',
      [
        { name: 'metadata', value: `{"a":"${'x'.repeat(10 * 1024 * 1024)}"}` },
        { name: 'file', value: 'x', filename: 'a.txt' },
      ],
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      '1,000 tags',
      [
        { name: 'tags', value: Array.from({ length: 1000 }, (_, i) => `t${i}`).join(',') },
        { name: 'file', value: 'x', filename: 'a.txt' },
      ],
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a file over the upload cap',
      [{ name: 'file', value: Buffer.alloc(65 * 1024, 0x61), filename: 'big.txt' }],
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'an unknown field',
      [
        { name: 'evil', value: 'x' },
        { name: 'file', value: 'x', filename: 'a.txt' },
      ],
      400,
      'VALIDATION_FAILED',
    ],
  ];
  for (const [label, parts, status, code] of badUploads) {
    it(`refuses ${label} (${status}), leaving no staged file and no document`, async () => {
      const before = (
        await t.app.inject({ method: 'GET', url: `${DOCS}?limit=200`, headers: writer })
      ).json().data.length;
      assertProblem(
        await upload(t, writer, parts),
        status,
        code as Parameters<typeof assertProblem>[2],
      );
      assert.deepEqual(staged(t), []);
      const after = (
        await t.app.inject({ method: 'GET', url: `${DOCS}?limit=200`, headers: writer })
      ).json().data.length;
      assert.equal(after, before);
    });
  }

  const badJson: [string, Record<string, unknown>, number, string][] = [
    ['neither url nor text', { title: 'x' }, 400, 'VALIDATION_FAILED'],
    [
      'both url and text',
      { url: 'https://example.com/a.pdf', text: 'x' },
      400,
      'VALIDATION_FAILED',
    ],
    ['empty text', { text: '' }, 400, 'VALIDATION_FAILED'],
    ['text over the limit', { text: 'x'.repeat(10_001) }, 413, 'PAYLOAD_TOO_LARGE'],
    ['tags that are not strings', { text: 'x', tags: [1, 2] }, 400, 'VALIDATION_FAILED'],
    [
      'metadata over 16 KiB',
      { text: 'x', metadata: { a: 'x'.repeat(17_000) } },
      400,
      'VALIDATION_FAILED',
    ],
    ['a title of 501 characters', { text: 'x', title: 't'.repeat(501) }, 400, 'VALIDATION_FAILED'],
  ];
  for (const [label, payload, status, code] of badJson) {
    it(`refuses JSON with ${label} (${status})`, async () => {
      assertProblem(
        await t.app.inject({ method: 'POST', url: DOCS, headers: writer, payload }),
        status,
        code as Parameters<typeof assertProblem>[2],
      );
    });
  }
});

describe('documents: batch refused', () => {
  it('refuses more than 100 items and an empty batch', async () => {
    const t = await buildTestApp();
    const items = Array.from({ length: 101 }, (_, i) => ({ text: `item ${i}` }));
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: `${DOCS}/batch`,
        headers: t.admin,
        payload: { items },
      }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: `${DOCS}/batch`,
        headers: t.admin,
        payload: { items: [] },
      }),
      400,
      'VALIDATION_FAILED',
    );
  });
});
