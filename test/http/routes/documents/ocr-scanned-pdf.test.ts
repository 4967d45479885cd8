/**
 * A scanned PDF with OCR on, through HTTP: every page is recognised, the first included (outside
 * probes once saw page 1 of a two-page scan come back empty while page 2 was read), both when
 * uploaded and extracted by the worker pool and when converted by POST /v1/convert.
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
  before(async () => {
    t = await buildTestApp({ QUIRE_OCR: 'on', QUIRE_EXTRACTION_WORKERS: '1' });
    scan = await scannedPdfBytes(PHRASES);
  });

  it('reads every page, the first included, when uploaded', async () => {
    const response = await upload(t, t.admin, [
      { name: 'file', value: scan, filename: 'scan.pdf' },
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
    const pages = content.json<{ pages: PageBody[] }>().pages;
    assert.deepEqual(
      pages.map((page) => [page.number, page.text.trim()]),
      PHRASES.map((phrase, index) => [index + 1, phrase]),
    );
  });

  it('reads every page, the first included, when converted', async () => {
    const converted = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=json',
      headers: { ...t.admin, 'content-type': 'application/pdf' },
      payload: scan,
    });
    assert.equal(converted.statusCode, 200, converted.body);
    const pages = converted.json<{ pages: PageBody[] }>().pages;
    assert.deepEqual(
      pages.map((page) => page.text.trim()),
      PHRASES,
    );
  });
});
