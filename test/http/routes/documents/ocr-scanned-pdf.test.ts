/**
 * A scanned PDF with OCR on, through HTTP: every page is recognised, the first included (outside
 * probes once saw page 1 of a two-page scan come back empty while page 2 was read: its picture
 * was JPEG 2000, which the PDF library here could not decode), both when uploaded and extracted
 * by the worker pool and when converted by POST /v1/convert.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { waitForJob, type JobBody } from '../../../helpers/jobs.js';
import { scannedPdfBytes } from '../../../fixtures/documents.js';
import { DOCS, upload } from './setup.js';

const PHRASES = ['HELLO WORLD', 'OCR WORLD', 'HELLO OCR'];

interface PageBody {
  number: number;
  text: string;
}

describe('documents: a scanned PDF with OCR on', { timeout: 180_000 }, () => {
  let t: TestApp;
  let scan: Buffer;
  let jpxFirst: Buffer;
  before(async () => {
    t = await buildTestApp({
      QUIRE_OCR: 'on',
      QUIRE_EXTRACTION_WORKERS: '1',
      QUIRE_RATE_LIMIT_READ: '1000000',
    });
    scan = await scannedPdfBytes(PHRASES);
    jpxFirst = await scannedPdfBytes(PHRASES, { jpxPages: [1, 3] });
  });

  async function uploadedPages(bytes: Buffer): Promise<[number, string][]> {
    const response = await upload(t, t.admin, [
      { name: 'file', value: bytes, filename: 'scan.pdf' },
    ]);
    assert.equal(response.statusCode, 202, response.body);
    const { document, job } = response.json<{ document: { id: string }; job: JobBody }>();
    const done = await waitForJob(t, job.id, undefined, 120_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    const content = await t.app.inject({
      url: `${DOCS}/${document.id}/content?format=json`,
      headers: t.admin,
    });
    assert.equal(content.statusCode, 200, content.body);
    return content
      .json<{ pages: PageBody[] }>()
      .pages.map((page) => [page.number, page.text.trim()]);
  }

  async function convertedPages(bytes: Buffer): Promise<string[]> {
    const converted = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=json',
      headers: { ...t.admin, 'content-type': 'application/pdf' },
      payload: bytes,
    });
    assert.equal(converted.statusCode, 200, converted.body);
    return converted.json<{ pages: PageBody[] }>().pages.map((page) => page.text.trim());
  }

  it('reads every page, the first included, when uploaded', async () => {
    assert.deepEqual(
      await uploadedPages(scan),
      PHRASES.map((phrase, index) => [index + 1, phrase]),
    );
  });

  it('reads every page, the first included, when converted', async () => {
    assert.deepEqual(await convertedPages(scan), PHRASES);
  });

  it('reads pages whose picture is JPEG 2000 (pages 1 and 3 here), uploaded and converted', async () => {
    assert.deepEqual(
      await uploadedPages(jpxFirst),
      PHRASES.map((phrase, index) => [index + 1, phrase]),
    );
    assert.deepEqual(await convertedPages(jpxFirst), PHRASES);
  });

  it('leaves a JPEG 2000 picture claiming 40000 × 40000 pixels undecoded; the rest is read', async () => {
    const hostile = await scannedPdfBytes(PHRASES, { jpxPages: [2], jpxClaimsSide: 40_000 });
    assert.deepEqual(await uploadedPages(hostile), [
      [1, PHRASES[0]],
      [2, ''],
      [3, PHRASES[2]],
    ]);
  });
});
