/**
 * The extraction processors on fixtures built at test time: text on the right pages, metadata,
 * page counts, progress, every failure code, decodings, truncation at maxTextChars, OCR, and
 * bounded memory on 200 MB single-line files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PROCESSORS, runProcessor } from '../../../src/extraction/processors/index.js';
import {
  SUPPORTED_MEDIA_TYPES,
  type ExtractionFailureCode,
  type ExtractionLimits,
  type ExtractionResult,
  type ExtractionTask,
} from '../../../src/ports/extractor.js';
import * as fixtures from '../../fixtures/documents.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const MB = 1024 * 1024;

const LIMITS: ExtractionLimits = {
  maxPages: 1000,
  maxUnzippedBytes: 512 * MB,
  maxTextChars: 10_000_000,
  maxOcrPages: 10,
};

// Not test/helpers/app.ts's tempDir: importing it loads the whole app (seconds), unused here.
const dir = mkdtempSync(join(tmpdir(), 'quire-extraction-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  progress: [number, number][];
}

function task(
  path: string,
  mediaType: string,
  options: Partial<ExtractionTask> = {},
): ExtractionTask {
  return { path, mediaType, filename: null, limits: LIMITS, ocr: false, ...options };
}

async function extract(
  path: string,
  mediaType: string,
  options: Partial<ExtractionTask> = {},
): Promise<ExtractionResult & Run> {
  const progress: [number, number][] = [];
  const outcome = await runProcessor(task(path, mediaType, options), (done, total) =>
    progress.push([done, total]),
  );
  assert.ok(outcome.ok, `expected success, got ${JSON.stringify(outcome)}`);
  return { ...outcome.result, progress };
}

async function failure(
  path: string,
  mediaType: string,
  code: ExtractionFailureCode,
  options: Partial<ExtractionTask> = {},
): Promise<string> {
  const outcome = await runProcessor(task(path, mediaType, options), () => undefined);
  assert.equal(outcome.ok, false, `expected ${code}, got a result`);
  assert.ok(!outcome.ok);
  assert.equal(outcome.code, code, outcome.message);
  return outcome.message;
}

const allText = (result: ExtractionResult): string =>
  result.pages.map((page) => page.text).join('\n\n');
const totalChars = (result: ExtractionResult): number =>
  result.pages.reduce((sum, page) => sum + page.text.length, 0);

/** Runs `work` and returns the largest RSS growth seen meanwhile, in bytes. */
async function rssGrowth<T>(work: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}

describe('runProcessor', () => {
  test('has a processor for every supported media type', () => {
    assert.deepEqual(Object.keys(PROCESSORS).sort(), [...SUPPORTED_MEDIA_TYPES].sort());
  });

  test('answers UNSUPPORTED_FORMAT for an unknown media type', async () => {
    const path = await fixtures.writeEmptyFile(dir, 'unknown.bin');
    await failure(path, 'application/x-unknown', 'UNSUPPORTED_FORMAT');
  });

  test('rethrows what is not a Failure with an extraction code (a crash, for the caller)', async () => {
    await assert.rejects(
      runProcessor(task(join(dir, 'missing.txt'), 'text/plain'), () => undefined),
      (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
    );
  });
});

describe('PDF', () => {
  test('extracts each page text on its own page, with paragraphs, metadata and outline', async () => {
    const result = await extract(await fixtures.writeTextPdf(dir), 'application/pdf');
    assert.equal(result.pageCount, 12);
    assert.equal(result.pages.length, 12);
    result.pages.forEach((page, index) => {
      assert.equal(page.number, index + 1);
      assert.ok(page.text.includes(fixtures.pagePhrase(index + 1)), page.text);
      assert.equal(page.markdown, page.text);
    });
    assert.ok(result.pages[6]?.text.includes('the quick zephyr of page seven'));
    assert.ok(!result.pages[5]?.text.includes('page seven'));
    // Heading, first paragraph (two lines), second paragraph.
    assert.equal(
      result.pages[0]?.text,
      'Chapter heading 1\n\nthe quick zephyr of page one jumps over the lazy dog\n' +
        'and the first paragraph goes on to a second line\n\nA second paragraph closes page 1.',
    );
    const { outline, ...metadata } = result.metadata;
    assert.deepEqual(metadata, {
      ...fixtures.PDF_METADATA,
      producer: 'pdf-lib (https://github.com/Hopding/pdf-lib)',
    });
    assert.deepEqual(outline, [
      {
        title: 'Chapter one',
        page: 1,
        children: [{ title: 'Section seven', page: 7, children: [] }],
      },
      { title: 'Chapter two', page: 10, children: [] },
    ]);
    assert.equal(result.needsOcr, false);
    assert.equal(result.truncated, false);
    assert.deepEqual(
      result.progress,
      Array.from({ length: 12 }, (_, index) => [index + 1, 12]),
    );
  });

  test('refuses more pages than maxPages before extracting any text', async () => {
    const path = await fixtures.writeTextPdf(dir);
    const progress: unknown[] = [];
    const outcome = await runProcessor(
      task(path, 'application/pdf', { limits: { ...LIMITS, maxPages: 11 } }),
      (...call) => progress.push(call),
    );
    assert.ok(!outcome.ok);
    assert.equal(outcome.code, 'UNPROCESSABLE_DOCUMENT');
    assert.match(outcome.message, /12 pages/);
    assert.deepEqual(progress, []);
  });

  test('cuts the text at maxTextChars and says so', async () => {
    const path = await fixtures.writeTextPdf(dir);
    const result = await extract(path, 'application/pdf', {
      limits: { ...LIMITS, maxTextChars: 300 },
    });
    assert.equal(result.truncated, true);
    assert.ok(totalChars(result) <= 300);
    assert.equal(result.pageCount, 12);
    assert.ok(result.pages.length < 12);
    assert.ok(result.pages[0]?.text.includes(fixtures.pagePhrase(1)));
  });

  describe('encrypted', () => {
    test('qpdf is installed (needed to build the encrypted fixtures)', () => {
      assert.ok(
        fixtures.hasQpdf(),
        'the `qpdf` command is missing: install it (apt-get install qpdf) to test encrypted PDFs',
      );
    });

    test('without a password: DOCUMENT_ENCRYPTED', async () => {
      const path = await fixtures.writeEncryptedPdf(dir, 'user-pw');
      assert.match(
        await failure(path, 'application/pdf', 'DOCUMENT_ENCRYPTED'),
        /password is required/,
      );
    });

    test('with a wrong password: DOCUMENT_ENCRYPTED', async () => {
      const path = await fixtures.writeEncryptedPdf(dir, 'user-pw');
      const message = await failure(path, 'application/pdf', 'DOCUMENT_ENCRYPTED', {
        password: 'not-it',
      });
      assert.match(message, /incorrect/);
    });

    test('with the right password: the text', async () => {
      const path = await fixtures.writeEncryptedPdf(dir, 'user-pw');
      const result = await extract(path, 'application/pdf', { password: 'user-pw' });
      assert.equal(result.pageCount, 2);
      assert.ok(result.pages[1]?.text.includes(fixtures.pagePhrase(2)));
      assert.equal(result.metadata.title, fixtures.PDF_METADATA.title);
    });
  });

  test('a truncated PDF is DOCUMENT_CORRUPT', async () => {
    await failure(await fixtures.writeTruncatedPdf(dir), 'application/pdf', 'DOCUMENT_CORRUPT');
  });

  test('garbage after a PDF header is DOCUMENT_CORRUPT', async () => {
    await failure(await fixtures.writeGarbagePdf(dir), 'application/pdf', 'DOCUMENT_CORRUPT');
  });

  test('an empty file is DOCUMENT_CORRUPT', async () => {
    const path = await fixtures.writeEmptyFile(dir, 'empty.pdf');
    await failure(path, 'application/pdf', 'DOCUMENT_CORRUPT');
  });

  test('a PNG named .pdf is DOCUMENT_CORRUPT', async () => {
    await failure(await fixtures.writePngAsPdf(dir), 'application/pdf', 'DOCUMENT_CORRUPT');
  });

  test('pages that are only images need OCR', async () => {
    const result = await extract(await fixtures.writeImageOnlyPdf(dir), 'application/pdf');
    assert.equal(result.needsOcr, true);
    assert.equal(result.pageCount, 1);
    assert.equal(result.pages[0]?.text, '');
  });

  test('OCR reads image pages, up to maxOcrPages', async () => {
    const path = await fixtures.writeImageOnlyPdf(dir, 2);
    const result = await extract(path, 'application/pdf', {
      ocr: true,
      limits: { ...LIMITS, maxOcrPages: 1 },
    });
    const first = result.pages[0]?.text ?? '';
    assert.match(first, /HELLO/i);
    assert.match(first, /WORLD/i);
    assert.equal(result.pages[0]?.markdown, first);
    // The second page was over the OCR budget: still without text, so the document needs OCR.
    assert.equal(result.pages[1]?.text, '');
    assert.equal(result.needsOcr, true);
    assert.deepEqual(result.progress, [
      [1, 2],
      [2, 2],
    ]);
  });

  test('OCR of every image page clears needsOcr', async () => {
    const result = await extract(await fixtures.writeImageOnlyPdf(dir, 1), 'application/pdf', {
      ocr: true,
    });
    assert.match(result.pages[0]?.text ?? '', /WORLD/i);
    assert.equal(result.needsOcr, false);
  });
});

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

describe('HTML', () => {
  test('keeps the article, drops navigation and boilerplate', async () => {
    const result = await extract(await fixtures.writeHtml(dir), 'text/html');
    const text = allText(result);
    assert.ok(text.includes(fixtures.HTML_ARTICLE_PHRASE));
    for (const boilerplate of [
      'About us',
      'subscribe now',
      'Cookie settings',
      'tracking',
      'color: red',
    ])
      assert.ok(!text.includes(boilerplate), boilerplate);
    const markdown = result.pages.map((page) => page.markdown).join('\n\n');
    assert.ok(
      markdown.includes(
        '## What they needed\n\n- Oil for the lamp\n- Clean glass\n- A steady keeper',
      ),
    );
    assert.ok(markdown.includes('[logbook of every night](https://example.org/lights)'));
    assert.ok(markdown.includes('_care_, **patience**'));
    assert.ok(markdown.includes("```js\nconst light = 'on';\n```"));
    assert.ok(markdown.includes('Use `trim()` on wicks.'));
    assert.match(result.metadata.title ?? '', /Lighthouses/);
    assert.equal(result.metadata.language, 'en-GB');
    assert.equal(result.pageCount, result.pages.length);
  });

  test('falls back to the body text when readability finds no article', async () => {
    const result = await extract(await fixtures.writeBareHtml(dir), 'text/html');
    assert.equal(allText(result), 'Just one short line.');
    assert.equal(result.metadata.title, 'Bare');
  });

  test('survives hostile nesting (readability gives up, the body is read)', async () => {
    const depth = 20_000;
    const path = join(dir, 'deep.html');
    await writeFile(
      path,
      `<html><body>${'<div>'.repeat(depth)}deep words${'</div>'.repeat(depth)}</body></html>`,
    );
    const result = await extract(path, 'text/html');
    assert.ok(allText(result).includes('deep words'));
  });
});

describe('text and Markdown', () => {
  test('Markdown: the source as markdown, light-stripped text, the first heading as title', async () => {
    const result = await extract(await fixtures.writeMarkdown(dir), 'text/markdown');
    assert.equal(result.metadata.title, 'Quire Notes');
    assert.equal(result.pages.map((page) => page.markdown).join('\n\n'), fixtures.MARKDOWN.trim());
    const text = allText(result);
    assert.ok(
      text.startsWith('Quire Notes\n\nQuire keeps documents and notes with links and code.'),
    );
    for (const markup of ['**', '](', '# ', '```', '> ']) assert.ok(!text.includes(markup), markup);
    // The blank line inside the fenced code did not split the code block.
    assert.ok(text.includes('const a = 1;\n\nconst b = 2;'));
  });

  test('UTF-16 LE and BE with a BOM', async () => {
    for (const endian of ['le', 'be'] as const) {
      const result = await extract(await fixtures.writeUtf16Text(dir, endian), 'text/plain');
      assert.equal(allText(result), fixtures.UNICODE_TEXT);
    }
  });

  test('invalid UTF-8 falls back to Latin-1', async () => {
    const result = await extract(await fixtures.writeLatin1Text(dir), 'text/plain');
    assert.equal(allText(result), fixtures.LATIN1_TEXT);
  });

  test('pages of about 3,000 characters at paragraph boundaries', async () => {
    const paragraphs = Array.from(
      { length: 40 },
      (_, index) => `Paragraph ${index}: ${'word '.repeat(90)}end.`,
    );
    const path = join(dir, 'long.txt');
    await writeFile(path, paragraphs.join('\n\n'));
    const result = await extract(path, 'text/plain');
    assert.ok(result.pages.length >= 5);
    assert.equal(result.pageCount, result.pages.length);
    for (const page of result.pages) {
      assert.ok(page.text.length <= 3000);
      assert.ok(page.text.startsWith('Paragraph '));
      assert.ok(page.text.endsWith('end.'));
    }
    assert.equal(allText(result), paragraphs.join('\n\n'));
  });

  test('cuts at maxTextChars', async () => {
    const path = join(dir, 'cut.txt');
    await writeFile(path, 'abcdefghij '.repeat(1000));
    const result = await extract(path, 'text/plain', { limits: { ...LIMITS, maxTextChars: 1000 } });
    assert.equal(result.truncated, true);
    assert.ok(totalChars(result) <= 1000);
    assert.ok(totalChars(result) > 900);
  });

  test('a 200 MB single-line file: reads up to maxTextChars with bounded memory', async () => {
    const path = await fixtures.writeLargeSingleLine(
      dir,
      'huge.txt',
      200 * MB,
      'lorem ipsum dolor ',
    );
    const { value: result, growth } = await rssGrowth(() =>
      extract(path, 'text/plain', { limits: { ...LIMITS, maxTextChars: 1_000_000 } }),
    );
    assert.equal(result.truncated, true);
    assert.ok(totalChars(result) <= 1_000_000 && totalChars(result) > 990_000);
    for (const page of result.pages) assert.ok(page.text.length <= 3000);
    assert.ok(growth < 150 * MB, `RSS grew by ${Math.round(growth / MB)} MB`);
  });
});

describe('CSV', () => {
  test('rows as "header: value" lines and Markdown tables', async () => {
    const result = await extract(await fixtures.writeCsv(dir), 'text/csv');
    assert.equal(
      allText(result),
      'name: Ada Lovelace; city: London; note: wrote the first program, on paper\n' +
        'name: Grace Hopper; city: New York; note: found a moth\n' +
        'name: Alan Turing; city: Wilmslow',
    );
    assert.equal(
      result.pages[0]?.markdown,
      '| name | city | note |\n| --- | --- | --- |\n' +
        '| Ada Lovelace | London | wrote the first program, on paper |\n' +
        '| Grace Hopper | New York | found a moth |\n| Alan Turing | Wilmslow |  |',
    );
  });

  test('detects a semicolon delimiter and decodes Latin-1', async () => {
    const path = join(dir, 'semicolon.csv');
    await writeFile(path, Buffer.from('ville;prix\nSão Paulo;5 £\n', 'latin1'));
    const result = await extract(path, 'text/csv');
    assert.equal(allText(result), 'ville: São Paulo; prix: 5 £');
  });

  test('CR-only line endings are rows, not one overlong line', async () => {
    const path = join(dir, 'cr.csv');
    const rows = Array.from({ length: 30_000 }, (_, index) => `${index},${'x'.repeat(40)}`);
    await writeFile(path, `id,value\r${rows.join('\r')}\r`);
    const result = await extract(path, 'text/csv');
    assert.ok(allText(result).startsWith(`id: 0; value: ${'x'.repeat(40)}\n`));
    assert.ok(allText(result).endsWith(`id: 29999; value: ${'x'.repeat(40)}`));
  });

  test('pages repeat the table header; maxTextChars stops reading', async () => {
    const rows = Array.from({ length: 2000 }, (_, index) => `row ${index},value ${index}`);
    const path = join(dir, 'many.csv');
    await writeFile(path, `key,value\n${rows.join('\n')}\n`);
    const result = await extract(path, 'text/csv', { limits: { ...LIMITS, maxTextChars: 20_000 } });
    assert.equal(result.truncated, true);
    assert.ok(totalChars(result) <= 20_000);
    assert.ok(result.pages.length > 1);
    for (const page of result.pages)
      assert.ok(page.markdown.startsWith('| key | value |\n| --- | --- |\n'));
  });

  test('a 200 MB single-line CSV is refused early with bounded memory', async () => {
    const path = await fixtures.writeLargeSingleLine(
      dir,
      'huge.csv',
      200 * MB,
      'alpha,beta,,gamma,',
    );
    const { value: message, growth } = await rssGrowth(() =>
      failure(path, 'text/csv', 'UNPROCESSABLE_DOCUMENT', {
        limits: { ...LIMITS, maxTextChars: 1_000_000 },
      }),
    );
    assert.match(message, /longer than/);
    assert.ok(growth < 150 * MB, `RSS grew by ${Math.round(growth / MB)} MB`);
  });

  test('a 200 MB CSV of short rows stops at maxTextChars with bounded memory', async () => {
    const path = await fixtures.writeLargeSingleLine(
      dir,
      'rows.csv',
      200 * MB,
      'alpha,beta,gamma\n',
    );
    const { value: result, growth } = await rssGrowth(() =>
      extract(path, 'text/csv', { limits: { ...LIMITS, maxTextChars: 1_000_000 } }),
    );
    assert.equal(result.truncated, true);
    assert.ok(totalChars(result) <= 1_000_000);
    assert.ok(growth < 150 * MB, `RSS grew by ${Math.round(growth / MB)} MB`);
  });
});

describe('JSON', () => {
  test('"path: value" lines and a fenced, pretty-printed Markdown block', async () => {
    const result = await extract(await fixtures.writeJson(dir), 'application/json');
    assert.equal(
      allText(result),
      [
        'title: Quire',
        'version: 3',
        'tags[0]: documents',
        'tags[1]: search',
        'owner.name: Ada',
        'owner["e-mail"]: ada@example.org',
        'owner.active: true',
        'empty: {}',
        'nothing: null',
      ].join('\n'),
    );
    const markdown = result.pages[0]?.markdown ?? '';
    assert.ok(markdown.startsWith('```json\n') && markdown.endsWith('\n```'));
    assert.deepEqual(JSON.parse(markdown.slice(8, -4)), fixtures.JSON_DOCUMENT);
  });

  test('large documents are paged, each page a fenced block', async () => {
    const path = join(dir, 'array.json');
    await writeFile(
      path,
      JSON.stringify(Array.from({ length: 1000 }, (_, id) => ({ id, name: `item ${id}` }))),
    );
    const result = await extract(path, 'application/json');
    assert.ok(result.pages.length > 1);
    for (const page of result.pages) {
      assert.ok(page.markdown.startsWith('```json\n'));
      assert.ok(page.text.length <= 3000);
    }
    assert.ok(allText(result).includes('[999].name: item 999'));
  });

  test('100,000 levels of nesting are UNPROCESSABLE_DOCUMENT, 1,000 are fine', async () => {
    const message = await failure(
      await fixtures.writeNestedJson(dir),
      'application/json',
      'UNPROCESSABLE_DOCUMENT',
    );
    assert.match(message, /1000 levels/);
    const ok = await extract(await fixtures.writeNestedJson(dir, 1000), 'application/json');
    assert.equal(allText(ok), `${'[0]'.repeat(999)}: []`);
  });

  test('invalid or empty JSON is DOCUMENT_CORRUPT', async () => {
    const path = join(dir, 'invalid.json');
    await writeFile(path, '{"a": [1, 2,');
    await failure(path, 'application/json', 'DOCUMENT_CORRUPT');
    await failure(
      await fixtures.writeEmptyFile(dir, 'empty.json'),
      'application/json',
      'DOCUMENT_CORRUPT',
    );
  });

  test('cuts at maxTextChars', async () => {
    const path = join(dir, 'big.json');
    await writeFile(
      path,
      JSON.stringify({ items: Array.from({ length: 5000 }, (_, index) => `value ${index}`) }),
    );
    const result = await extract(path, 'application/json', {
      limits: { ...LIMITS, maxTextChars: 5000 },
    });
    assert.equal(result.truncated, true);
    assert.ok(totalChars(result) <= 5000);
  });
});
