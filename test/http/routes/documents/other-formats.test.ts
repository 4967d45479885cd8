/**
 * E-mail, RTF, images and legacy Office through HTTP: uploaded, extracted by the real worker
 * pool and read back (document view and content), and converted by POST /v1/convert; images
 * with OCR on; legacy Office with the installed soffice, or refused with 415 naming what to
 * install where there is none or it is turned off.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { buildTestApp, tempDir, type TestApp } from '../../../helpers/app.js';
import { getDocument, waitForJob, type DocumentBody, type JobBody } from '../../../helpers/jobs.js';
import { assertProblem } from '../../../helpers/problem.js';
import * as fixtures from '../../../fixtures/other-formats.js';
import {
  KEEPERS,
  KEEPERS_MARKDOWN,
  LIGHTHOUSES,
  markdownTables,
  PLANETS,
  tablesHtml,
} from '../../../fixtures/pdf-tables.js';
import { DOCS, upload } from './setup.js';

type Document = DocumentBody & { media_type: string | null };

async function ingest(
  t: TestApp,
  value: Buffer | string,
  filename: string,
): Promise<{ document: Document; job: JobBody }> {
  const response = await upload(t, t.admin, [{ name: 'file', value, filename }], '?dedupe=false');
  assert.equal(response.statusCode, 202, response.body);
  return response.json();
}

async function ready(t: TestApp, value: Buffer | string, filename: string, timeoutMs = 60_000) {
  const { document, job } = await ingest(t, value, filename);
  const done = await waitForJob(t, job.id, undefined, timeoutMs);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  const markdown = await t.app.inject({
    url: `${DOCS}/${document.id}/content?format=markdown`,
    headers: t.admin,
  });
  assert.equal(markdown.statusCode, 200, markdown.body);
  return { document: (await getDocument(t, document.id)) as Document, markdown: markdown.body };
}

describe('documents: e-mail, RTF, images and legacy Office', { timeout: 300_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({
      QUIRE_OCR: 'on',
      QUIRE_EXTRACTION_WORKERS: '1',
      // Waiting on LibreOffice polls the job for a while.
      QUIRE_RATE_LIMIT_READ: '1000000',
    });
  });

  it('an .eml: headers as metadata, attachments listed, the body as Markdown', async () => {
    const { document, markdown } = await ready(t, fixtures.emlBytes(), 'notes.eml');
    assert.equal(document.page_count, 1);
    assert.deepEqual(document.extracted.email, {
      from: '"Ada Lovelace" <ada@example.org>',
      to: '"Charles Babbage" <charles@example.org>, team@example.org',
      cc: '"Mary Somerville" <mary@example.org>',
      date: fixtures.EML.date,
      message_id: fixtures.EML.messageId,
    });
    assert.deepEqual(
      (document.extracted.attachments as { filename: string }[]).map((each) => each.filename),
      ['note-g.txt', 'card.png'],
    );
    assert.equal(document.extracted.title, fixtures.EML.subject);
    assert.match(markdown, /# Engine notes\n\nThe engine weaves \*\*algebraic\*\* patterns\./);
  });

  it('an e-mail without extension is told by its headers', async () => {
    const { document } = await ingest(t, fixtures.emlBytes(), 'message');
    assert.equal(document.media_type, 'message/rfc822');
  });

  it('an .rtf: headings, lists and tables as Markdown, \\info as metadata', async () => {
    const { document, markdown } = await ready(t, fixtures.rtfText(), 'report.rtf');
    assert.equal(document.extracted.title, fixtures.RTF.title);
    assert.equal(document.extracted.author, fixtures.RTF.author);
    assert.match(markdown, /^<!-- page 1 -->\n\n# Keepers and Lamps\n/);
    assert.match(markdown, /\| Station \| Nights \|\n\| --- \| --- \|\n\| Longstone \| 92 \|/);
  });

  it('a PNG and a two-page TIFF are read by OCR, a page per frame', async () => {
    const png = await ready(t, fixtures.textPng('HELLO WORLD'), 'scan.png');
    assert.equal(png.document.media_type, 'image/png');
    assert.equal(png.markdown, '<!-- page 1 -->\n\nHELLO WORLD\n');
    const tiff = await ready(t, fixtures.textTiff(['HELLO', 'OCR WORLD']), 'scan.tif');
    assert.equal(tiff.document.page_count, 2);
  });

  it('a lossy and a lossless WebP are read by OCR, told by their bytes', async () => {
    // Named .bin: the media type comes from the RIFF/WEBP signature, not the name.
    const lossy = await ready(t, fixtures.textWebp('HELLO WORLD'), 'photo.bin');
    assert.equal(lossy.document.media_type, 'image/webp');
    assert.equal(lossy.document.page_count, 1);
    assert.equal(lossy.markdown, '<!-- page 1 -->\n\nHELLO WORLD\n');
    const lossless = await ready(
      t,
      fixtures.textWebp('OCR WORLD', { lossless: true }),
      'scan.webp',
    );
    assert.equal(lossless.markdown, '<!-- page 1 -->\n\nOCR WORLD\n');

    const converted = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=markdown',
      headers: { ...t.admin, 'content-type': 'image/webp' },
      payload: fixtures.textWebp('HELLO WORLD'),
    });
    assert.equal(converted.statusCode, 200, converted.body);
    assert.match(converted.body, /HELLO WORLD/);
  });

  it('a PDF with tables: Markdown tables in format=markdown, prose in text', async () => {
    const dir = tempDir('quire-pdf-tables-');
    await writeFile(join(dir, 'tables.html'), tablesHtml([LIGHTHOUSES, PLANETS]));
    const pdf = await readFile(
      fixtures.sofficeConvert(join(dir, 'tables.html'), 'pdf:writer_pdf_Export', dir),
    );
    const { document, markdown } = await ready(t, pdf, 'tables.pdf');
    assert.equal(document.media_type, 'application/pdf');
    assert.deepEqual(markdownTables(markdown), [LIGHTHOUSES, PLANETS]);
    const text = await t.app.inject({
      url: `${DOCS}/${document.id}/content?format=text`,
      headers: t.admin,
    });
    assert.equal(text.statusCode, 200, text.body);
    assert.match(text.body, /Longstone 92 Grace Darling/);
    assert.doesNotMatch(text.body, /\|/);

    const converted = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=markdown',
      headers: { ...t.admin, 'content-type': 'application/pdf' },
      payload: pdf,
    });
    assert.equal(converted.statusCode, 200, converted.body);
    assert.deepEqual(markdownTables(converted.body), [LIGHTHOUSES, PLANETS]);
  });

  it('a ruled PDF table, no padding, wrapped cells: format=markdown gives it exactly', async () => {
    const dir = tempDir('quire-pdf-ruled-');
    await writeFile(join(dir, 'keepers.html'), tablesHtml([KEEPERS], { padding: 0, width: 300 }));
    const pdf = await readFile(
      fixtures.sofficeConvert(join(dir, 'keepers.html'), 'pdf:writer_pdf_Export', dir),
    );
    const { markdown } = await ready(t, pdf, 'keepers.pdf');
    assert.ok(markdown.includes(`\n\n${KEEPERS_MARKDOWN}\n\nThe keepers logged`), markdown);
    assert.deepEqual(markdownTables(markdown), [KEEPERS]);
  });

  it('POST /v1/convert takes an e-mail and an RTF as raw bodies', async () => {
    const eml = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=json',
      headers: { ...t.admin, 'content-type': 'message/rfc822' },
      payload: fixtures.emlBytes(),
    });
    assert.equal(eml.statusCode, 200, eml.body);
    const body = eml.json() as { metadata: Record<string, unknown> };
    assert.equal(body.metadata.media_type, 'message/rfc822');
    assert.equal(
      (body.metadata.email as { cc: string }).cc,
      '"Mary Somerville" <mary@example.org>',
    );

    const rtf = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=markdown',
      headers: { ...t.admin, 'content-type': 'application/rtf' },
      payload: fixtures.rtfText(),
    });
    assert.equal(rtf.statusCode, 200, rtf.body);
    assert.match(rtf.body, /# Keepers and Lamps/);
  });

  it('a .doc: converted by soffice and extracted, or a 415 naming what to install', async () => {
    const dir = tempDir('quire-legacy-office-');
    const source = join(dir, 'report.rtf');
    await writeFile(source, fixtures.rtfText());
    if (!fixtures.hasSoffice()) {
      // No soffice on this machine (QUIRE_SOFFICE=auto finds none): refused, naming the packages.
      const refused = await upload(t, t.admin, [
        { name: 'file', value: fixtures.oleHeader(), filename: 'report.doc' },
      ]);
      assert.match(
        String(assertProblem(refused, 415, 'UNSUPPORTED_MEDIA_TYPE').detail),
        /libreoffice-core-nogui/,
      );
      return;
    }
    const doc = await readFile(fixtures.sofficeConvert(source, 'doc', dir));
    const { document, markdown } = await ready(t, doc, 'report.doc', 120_000);
    assert.equal(document.media_type, 'application/msword');
    assert.match(markdown, /^<!-- page 1 -->\n\n# Keepers and Lamps\n/);
    assert.match(markdown, /\| Longstone \| 92 \|/);

    const converted = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=text',
      headers: { ...t.admin, 'content-type': 'application/msword' },
      payload: doc,
    });
    assert.equal(converted.statusCode, 200, converted.body);
    assert.match(converted.body, /Longstone burned every night/);
  });
});

describe('documents: legacy Office without LibreOffice', { timeout: 120_000 }, () => {
  it('a .doc is refused with 415 naming the packages, at upload and at /v1/convert', async () => {
    const t = await buildTestApp({ QUIRE_SOFFICE: 'off' });
    const ole = fixtures.oleHeader();
    const refused = assertProblem(
      await upload(t, t.admin, [{ name: 'file', value: ole, filename: 'old.doc' }]),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.match(String(refused.detail), /libreoffice-core-nogui/);
    const converted = await t.app.inject({
      method: 'POST',
      url: '/v1/convert',
      headers: { ...t.admin, 'content-type': 'application/msword' },
      payload: ole,
    });
    assert.match(
      String(assertProblem(converted, 415, 'UNSUPPORTED_MEDIA_TYPE').detail),
      /libreoffice-core-nogui/,
    );
  });
});
