/**
 * QUIRE_PDF_ENGINE through HTTP, on both engines: a text PDF uploaded comes back as its pages'
 * text with its metadata and outline (and, on pdfium, a word hyphenated at a line end joined,
 * which shows the engine that read it); a page shown turned (/Rotate 90, 270) reads its lines top
 * to bottom, as pdftotext does; dingbats and the micro sign read as pdftotext reads them on pdfium
 * (pdf.js' own reading pinned on pdfjs: ADR 0008, step 4); an encrypted PDF fails DOCUMENT_ENCRYPTED without its
 * password ("required") or with a wrong one ("incorrect") and is read with the right one; a
 * corrupt PDF fails DOCUMENT_CORRUPT; a PDF over QUIRE_MAX_PAGES fails UNPROCESSABLE_DOCUMENT;
 * a ruled table (drawn in a form XObject, cells wrapped onto several lines) comes back cell for
 * cell in `format=markdown`; /v1/convert reads with the same engine; the process's warm
 * extraction thread has loaded PDFium before its first document on pdfium, and never on pdfjs (a
 * probe worker notes the thread's PDFium module loads before each task:
 * test/fixtures/pdfium-probe-worker.ts); with QUIRE_PDF_ENGINE unset, PDFium reads (the default).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { PDF_ENGINES } from '../../src/ports/extractor.js';
import * as fixtures from '../fixtures/documents.js';
import { KEEPERS_MARKDOWN } from '../fixtures/pdf-tables.js';
import { writeRuledTablePdf } from '../fixtures/ruled-table-pdfs.js';
import { buildTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { FAST } from '../helpers/extraction.js';
import { getDocument, submitFile, waitForJob, waitReady } from '../helpers/jobs.js';
import { multipart } from '../helpers/multipart.js';

const PROBE_WORKER = fileURLToPath(new URL('../fixtures/pdfium-probe-worker.ts', import.meta.url));
const PDFIUM_LOG = join(tempDir('quire-pdfium-loads-'), 'loads.log');
// Read by each extraction thread as it runs a task.
process.env.QUIRE_TEST_PDFIUM_LOG = PDFIUM_LOG;

interface Submitted {
  document: { id: string };
  job: { id: string };
}

async function upload(t: TestApp, path: string, password?: string): Promise<Submitted> {
  const fields = password === undefined ? [] : [{ name: 'password', value: password }];
  return submitFile(t, readFileSync(path), 'file.pdf', fields);
}

/** The job's failure code and message once it has settled (failed). */
async function failureOf(t: TestApp, submitted: Submitted): Promise<[string, string]> {
  const job = await waitForJob(t, submitted.job.id);
  assert.equal(job.status, 'failed', JSON.stringify(job));
  return [job.error?.code ?? '', job.error?.message ?? ''];
}

for (const pdfEngine of PDF_ENGINES) {
  describe(
    `PDFs read by ${pdfEngine} (QUIRE_PDF_ENGINE=${pdfEngine})`,
    { timeout: 120_000 },
    () => {
      const dir = tempDir();
      let t: TestApp;
      before(async () => {
        t = await buildTestApp({ ...FAST, QUIRE_PDF_ENGINE: pdfEngine, QUIRE_MAX_PAGES: '12' });
      });

      it('a text PDF: its pages, metadata and outline', async () => {
        const submitted = await upload(t, await fixtures.writeTextPdf(dir));
        assert.equal((await waitForJob(t, submitted.job.id)).status, 'succeeded');
        const ready = await getDocument(t, submitted.document.id);
        assert.equal(ready.page_count, 12);
        const content = await t.app.inject({
          url: `/v1/documents/${submitted.document.id}/content?format=json&pages=1,7`,
          headers: t.admin,
        });
        assert.equal(content.statusCode, 200, content.body);
        const body = content.json() as {
          pages: { number: number; text: string }[];
          metadata: { outline?: unknown; [key: string]: unknown };
        };
        assert.deepEqual(
          body.pages.map((page) => page.number),
          [1, 7],
        );
        assert.equal(
          body.pages[0]?.text,
          'Chapter heading 1\n\nthe quick zephyr of page one jumps over the lazy dog\n' +
            'and the first paragraph goes on to a second line\n\nA second paragraph closes page 1.',
        );
        assert.ok(body.pages[1]?.text.includes(fixtures.pagePhrase(7)));
        assert.deepEqual(body.metadata.outline, [
          {
            title: 'Chapter one',
            page: 1,
            children: [{ title: 'Section seven', page: 7, children: [] }],
          },
          { title: 'Chapter two', page: 10, children: [] },
        ]);
        const { word_count: _words, ...extracted } = ready.extracted;
        assert.deepEqual(extracted, {
          ...fixtures.PDF_METADATA,
          producer: 'pdf-lib (https://github.com/Hopding/pdf-lib)',
        });
      });

      it(`a word hyphenated at a line end: ${pdfEngine === 'pdfium' ? 'joined' : 'kept'}`, async () => {
        const submitted = await upload(t, await fixtures.writeHyphenatedPdf(dir));
        assert.equal((await waitForJob(t, submitted.job.id)).status, 'succeeded');
        const text = await t.app.inject({
          url: `/v1/documents/${submitted.document.id}/content`,
          headers: t.admin,
        });
        assert.equal(text.body.includes('software packages are'), pdfEngine === 'pdfium');
        assert.equal(text.body.includes('pack-\nages'), pdfEngine === 'pdfjs');
      });

      for (const rotation of [90, 270] as const)
        it(`a page shown turned (/Rotate ${rotation}): its lines in order, as pdftotext reads them`, async () => {
          const submitted = await upload(t, await fixtures.writeTurnedPagePdf(dir, rotation));
          assert.equal((await waitForJob(t, submitted.job.id)).status, 'succeeded');
          const text = await t.app.inject({
            url: `/v1/documents/${submitted.document.id}/content`,
            headers: t.admin,
          });
          assert.equal(text.body, `${fixtures.TURNED_PAGE_LINES.join('\n')}\n`);
        });

      it(`dingbats and the micro sign: ${pdfEngine === 'pdfium' ? "pdftotext's characters" : "pdf.js' own"}`, async () => {
        const submitted = await upload(t, await fixtures.writeGlyphsPdf(dir));
        assert.equal((await waitForJob(t, submitted.job.id)).status, 'succeeded');
        const text = await t.app.inject({
          url: `/v1/documents/${submitted.document.id}/content`,
          headers: t.admin,
        });
        const expected = pdfEngine === 'pdfium' ? fixtures.GLYPH_TEXT : fixtures.GLYPH_TEXT_PDFJS;
        assert.equal(text.body, `${expected}\n`);
      });

      it('a ruled table in a form XObject: cell for cell in format=markdown', async () => {
        const submitted = await upload(t, await writeRuledTablePdf(dir, 'form'));
        assert.equal((await waitForJob(t, submitted.job.id)).status, 'succeeded');
        const markdown = await t.app.inject({
          url: `/v1/documents/${submitted.document.id}/content?format=markdown`,
          headers: t.admin,
        });
        assert.equal(markdown.statusCode, 200, markdown.body);
        assert.ok(markdown.body.includes(`\n\n${KEEPERS_MARKDOWN}\n\n`), markdown.body);
      });

      it('an encrypted PDF: DOCUMENT_ENCRYPTED without or with a wrong password, read with the right one', async () => {
        const path = await fixtures.writeEncryptedPdf(dir, 'open-sesame');
        const [code, message] = await failureOf(t, await upload(t, path));
        assert.equal(code, 'DOCUMENT_ENCRYPTED');
        assert.match(message, /password is required/);
        const [wrongCode, wrongMessage] = await failureOf(t, await upload(t, path, 'not-it'));
        assert.equal(wrongCode, 'DOCUMENT_ENCRYPTED');
        assert.match(wrongMessage, /incorrect/);
        const right = await upload(t, path, 'open-sesame');
        assert.equal((await waitForJob(t, right.job.id)).status, 'succeeded');
        assert.equal((await getDocument(t, right.document.id)).page_count, 2);
      });

      it('a corrupt PDF: DOCUMENT_CORRUPT', async () => {
        const [code] = await failureOf(t, await upload(t, await fixtures.writeGarbagePdf(dir)));
        assert.equal(code, 'DOCUMENT_CORRUPT');
      });

      it('more pages than QUIRE_MAX_PAGES: UNPROCESSABLE_DOCUMENT naming the count', async () => {
        const [code, message] = await failureOf(
          t,
          await upload(t, await fixtures.writeTextPdf(dir, 13)),
        );
        assert.equal(code, 'UNPROCESSABLE_DOCUMENT');
        assert.match(message, /13 pages/);
      });

      it('/v1/convert reads with the same engine', async () => {
        const form = multipart([
          {
            name: 'file',
            value: readFileSync(await fixtures.writeHyphenatedPdf(dir)),
            filename: 'h.pdf',
          },
        ]);
        const converted = await t.app.inject({
          method: 'POST',
          url: '/v1/convert?to=text',
          headers: { ...t.admin, ...form.headers },
          payload: form.payload,
        });
        assert.equal(converted.statusCode, 200, converted.body);
        assert.equal(converted.body.includes('software packages are'), pdfEngine === 'pdfium');
      });
    },
  );
}

for (const pdfEngine of PDF_ENGINES) {
  describe(`the warm extraction thread on ${pdfEngine}`, { timeout: 120_000 }, () => {
    it(
      pdfEngine === 'pdfium'
        ? 'has loaded PDFium in its warm-up, before its first document'
        : 'never loads PDFium',
      async () => {
        const t = await buildTestApp(
          {
            ...FAST,
            QUIRE_PDF_ENGINE: pdfEngine,
            QUIRE_EXTRACTION_WORKERS: '1',
            QUIRE_EXTRACTION_WARM_THREADS: '1',
          },
          { extractionWorkerFile: PROBE_WORKER },
        );
        await waitReady(t);
        writeFileSync(PDFIUM_LOG, '');
        const submitted = await upload(t, await fixtures.writeTextPdf(tempDir()));
        assert.equal((await waitForJob(t, submitted.job.id)).status, 'succeeded');
        const loadsBeforeTask = readFileSync(PDFIUM_LOG, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => Number(line.split(' ')[1]));
        assert.deepEqual(loadsBeforeTask, [pdfEngine === 'pdfium' ? 1 : 0]);
      },
    );
  });
}

describe('with QUIRE_PDF_ENGINE unset', { timeout: 120_000 }, () => {
  it('PDFium reads PDFs (a hyphenated word joined), its warm thread loaded before the document', async () => {
    const t = await buildTestApp(
      { ...FAST, QUIRE_EXTRACTION_WORKERS: '1', QUIRE_EXTRACTION_WARM_THREADS: '1' },
      { extractionWorkerFile: PROBE_WORKER },
    );
    assert.equal(t.config.pdfEngine, 'pdfium');
    await waitReady(t);
    writeFileSync(PDFIUM_LOG, '');
    const submitted = await upload(t, await fixtures.writeHyphenatedPdf(tempDir()));
    assert.equal((await waitForJob(t, submitted.job.id)).status, 'succeeded');
    const text = await t.app.inject({
      url: `/v1/documents/${submitted.document.id}/content`,
      headers: t.admin,
    });
    assert.ok(text.body.includes('software packages are'), text.body);
    const loadsBeforeTask = readFileSync(PDFIUM_LOG, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => Number(line.split(' ')[1]));
    assert.deepEqual(loadsBeforeTask, [1]);
  });
});
