/**
 * The zip-based formats through HTTP: a PPTX, XLSX, ODT, ODS, ODP and EPUB made at test time
 * (test/fixtures/office-documents.ts), each converted by `POST /v1/convert` (Markdown and JSON,
 * checked exactly: pages, text, metadata) and ingested by `POST /v1/documents` (the job's
 * document carries the same pages and metadata). Each is typed by its content, whatever its
 * name says.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { getDocument, waitForJob, type JobBody } from '../../../helpers/jobs.js';
import { multipart } from '../../../helpers/multipart.js';
import * as office from '../../../fixtures/office-documents.js';
import { buildConvertApp } from './setup.js';

interface Format {
  name: string;
  mediaType: string;
  make: () => Promise<Buffer>;
  markdown: string;
  text: string[];
  metadata: Record<string, string>;
}

const FORMATS: Format[] = [
  {
    name: 'pptx',
    mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    make: office.pptxBytes,
    markdown: office.PPTX_MARKDOWN,
    text: office.PPTX_TEXT,
    metadata: office.PPTX_METADATA,
  },
  {
    name: 'xlsx',
    mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    make: office.xlsxBytes,
    markdown: office.XLSX_MARKDOWN,
    text: office.XLSX_TEXT,
    metadata: office.XLSX_METADATA,
  },
  {
    name: 'odt',
    mediaType: 'application/vnd.oasis.opendocument.text',
    make: office.odtBytes,
    markdown: office.ODT_MARKDOWN,
    text: [office.ODT_TEXT],
    metadata: office.ODF_METADATA,
  },
  {
    name: 'ods',
    mediaType: 'application/vnd.oasis.opendocument.spreadsheet',
    make: office.odsBytes,
    markdown: office.ODS_MARKDOWN,
    text: office.ODS_TEXT,
    metadata: office.ODF_METADATA,
  },
  {
    name: 'odp',
    mediaType: 'application/vnd.oasis.opendocument.presentation',
    make: office.odpBytes,
    markdown: office.ODP_MARKDOWN,
    text: office.ODP_TEXT,
    metadata: office.ODF_METADATA,
  },
  {
    name: 'epub',
    mediaType: 'application/epub+zip',
    make: office.epubBytes,
    markdown: office.EPUB_MARKDOWN,
    text: office.EPUB_TEXT,
    metadata: office.EPUB_METADATA,
  },
];

describe('zip-based formats through HTTP', { timeout: 120_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await buildConvertApp();
  });

  const convert = async (bytes: Buffer, filename: string, to: string) => {
    const form = multipart([{ name: 'file', value: bytes, filename }]);
    return t.app.inject({
      method: 'POST',
      url: `/v1/convert?to=${to}`,
      headers: { ...t.admin, ...form.headers },
      payload: form.payload,
    });
  };

  for (const format of FORMATS) {
    it(`${format.name}: /v1/convert gives its pages as Markdown, text and metadata`, async () => {
      const bytes = await format.make();
      const markdown = await convert(bytes, `fixture.${format.name}`, 'markdown');
      assert.equal(markdown.statusCode, 200, markdown.body);
      assert.equal(markdown.body, format.markdown);

      const json = await convert(bytes, `fixture.${format.name}`, 'json');
      assert.equal(json.statusCode, 200, json.body);
      const body = json.json() as {
        pages: { number: number; text: string }[];
        metadata: Record<string, unknown>;
      };
      assert.deepEqual(
        body.pages,
        format.text.map((text, index) => ({ number: index + 1, text })),
      );
      assert.deepEqual(body.metadata, {
        media_type: format.mediaType,
        page_count: format.text.length,
        ...format.metadata,
      });
    });

    it(`${format.name}: typed by its content when its name says otherwise`, async () => {
      const response = await convert(await format.make(), 'misnamed.txt', 'json');
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(
        (response.json() as { metadata: { media_type: string } }).metadata.media_type,
        format.mediaType,
      );
    });

    it(`${format.name}: POST /v1/documents extracts it in a background job`, async () => {
      const form = multipart([
        { name: 'file', value: await format.make(), filename: `upload.${format.name}` },
      ]);
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/documents?dedupe=false',
        headers: { ...t.admin, ...form.headers },
        payload: form.payload,
      });
      assert.equal(created.statusCode, 202, created.body);
      const { document, job } = created.json() as { document: { id: string }; job: JobBody };
      const finished = await waitForJob(t, job.id);
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
      const stored = await getDocument(t, document.id);
      assert.equal(stored.status, 'ready');
      assert.equal(stored.page_count, format.text.length);
      const { word_count: words, ...extracted } = stored.extracted;
      assert.ok(typeof words === 'number' && words > 0);
      assert.deepEqual(extracted, format.metadata);
      const content = await t.app.inject({
        url: `/v1/documents/${document.id}/content?format=markdown`,
        headers: t.admin,
      });
      assert.equal(content.statusCode, 200, content.body);
      assert.equal(content.body, format.markdown);
    });
  }
});
