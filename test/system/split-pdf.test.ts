/**
 * A long PDF uploaded through HTTP to a server with two extraction threads and splitting on is
 * read by both threads at once, and its content — pages in order, text, Markdown,
 * metadata, outline — is what a server with splitting off gives for the same file; on both PDF
 * engines (QUIRE_PDF_ENGINE=pdfjs and pdfium). The worker
 * module is the real one behind a wrapper that logs each task and chunk of pages it runs
 * (test/fixtures/range-fault-worker.ts), so the test knows the document was split.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { PDF_ENGINES } from '../../src/ports/extractor.js';
import { textPdfBytes } from '../fixtures/documents.js';
import { buildTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { FAST } from '../helpers/extraction.js';
import { getDocument, submitFile, waitForJob, waitReady } from '../helpers/jobs.js';

const RANGE_WORKER = fileURLToPath(new URL('../fixtures/range-fault-worker.ts', import.meta.url));
const PAGES = 150;
const LOG = join(tempDir('quire-split-pdf-'), 'ranges.log');
// Read by each extraction thread as it starts (threads copy the environment then).
process.env.QUIRE_TEST_RANGE_LOG = LOG;

interface ContentPage {
  number: number;
  text: string;
  markdown?: string;
}

/** Uploads `pdf`, waits for it to be ready, and returns its content as JSON and as Markdown. */
async function extractThroughHttp(t: TestApp, pdf: Buffer) {
  const { document, job } = await submitFile(t, pdf, 'long-report.pdf');
  const done = await waitForJob(t, job.id, undefined, 120_000);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.deepEqual([done.progress.done, done.progress.total], [PAGES, PAGES]);
  const ready = await getDocument(t, document.id);
  assert.equal(ready.page_count, PAGES);
  const json = await t.app.inject({
    url: `/v1/documents/${document.id}/content?format=json`,
    headers: t.admin,
  });
  assert.equal(json.statusCode, 200, json.body);
  const markdown = await t.app.inject({
    url: `/v1/documents/${document.id}/content?format=markdown`,
    headers: t.admin,
  });
  assert.equal(markdown.statusCode, 200, markdown.body);
  const body = json.json() as { pages: ContentPage[]; metadata: Record<string, unknown> };
  const { document_id: _id, ...metadata } = body.metadata;
  return { pages: body.pages, metadata, markdown: markdown.body };
}

describe('a long PDF split across extraction threads, through HTTP', { timeout: 240_000 }, () => {
  let pdf: Buffer;
  before(async () => {
    pdf = Buffer.from(await textPdfBytes(PAGES));
  });

  for (const pdfEngine of PDF_ENGINES)
    it(`comes out in page order, equal to the unsplit extraction (${pdfEngine})`, async () => {
      // Both threads warm, so the helper thread takes pages at once.
      const settings = {
        ...FAST,
        QUIRE_EXTRACTION_WORKERS: '2',
        QUIRE_EXTRACTION_WARM_THREADS: '2',
        QUIRE_PDF_ENGINE: pdfEngine,
      };
      const splitting = await buildTestApp(
        { ...settings, QUIRE_EXTRACTION_SPLIT_MIN_PAGES: '64' },
        { extractionWorkerFile: RANGE_WORKER },
      );
      const unsplit = await buildTestApp(
        { ...settings, QUIRE_EXTRACTION_SPLIT_MIN_PAGES: '0' },
        { extractionWorkerFile: RANGE_WORKER },
      );

      await Promise.all([waitReady(splitting), waitReady(unsplit)]);
      writeFileSync(LOG, '');
      const split = await extractThroughHttp(splitting, pdf);
      // Two tasks on the engine set asked for pages, and both threads were given some.
      const lines = readFileSync(LOG, 'utf8').split('\n').filter(Boolean);
      assert.deepEqual(lines.filter((line) => !line.startsWith('chunk')).sort(), [
        `engine ${pdfEngine}`,
        `engine ${pdfEngine}`,
        'plan',
        'plan',
      ]);
      assert.equal(
        new Set(lines.filter((line) => line.startsWith('chunk')).map((line) => line.split(' ')[1]))
          .size,
        2,
        lines.join('\n'),
      );
      writeFileSync(LOG, '');
      const whole = await extractThroughHttp(unsplit, pdf);
      assert.deepEqual(readFileSync(LOG, 'utf8').split('\n').filter(Boolean), [
        'whole',
        `engine ${pdfEngine}`,
      ]);

      assert.deepEqual(
        split.pages.map((page) => page.number),
        Array.from({ length: PAGES }, (_, index) => index + 1),
      );
      assert.ok(split.pages.every((page) => page.text.includes(`closes page ${page.number}.`)));
      assert.deepEqual(split.pages, whole.pages);
      assert.deepEqual(split.metadata, whole.metadata);
      assert.equal(split.markdown, whole.markdown);
    });
});
