/**
 * Legacy Office through LibreOffice: .doc, .xls and .ppt made by the installed soffice from
 * generated sources, converted in an isolated child process and extracted (a .ppt's PDF by the
 * PDF engine set); a conversion that
 * overruns its time is killed with its processes and leaves no work directory. Where no soffice
 * is installed, the same files fail UNSUPPORTED_FORMAT naming the packages to install.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WORK_DIR_PREFIX } from '../../../src/extraction/soffice.js';
import { PDF_ENGINES, type LibreOfficeRuntime } from '../../../src/ports/extractor.js';
import * as fixtures from '../../fixtures/other-formats.js';
import { dir, extract, failure } from './setup.js';

const DOC = 'application/msword';
const XLS = 'application/vnd.ms-excel';
const PPT = 'application/vnd.ms-powerpoint';
const installed = fixtures.hasSoffice();
const runtime = (timeoutMs = 120_000): LibreOfficeRuntime => ({
  path: spawnSync('sh', ['-c', 'command -v soffice'], { encoding: 'utf8' }).stdout.trim(),
  timeoutMs,
  memoryMb: 4096,
});

/** Processes whose command line names `fragment` (LibreOffice's carry the work directory). */
function processesNaming(fragment: string): string[] {
  const found = spawnSync('pgrep', ['-af', fragment], { encoding: 'utf8' }).stdout;
  return found.split('\n').filter((line) => line.length > 0 && !line.includes('pgrep'));
}

describe('legacy Office (LibreOffice)', { timeout: 600_000 }, () => {
  // The conversions' work directories go under a private TMPDIR, so leftovers can be counted.
  const scratch = mkdtempSync(join(tmpdir(), 'quire-soffice-test-'));
  const previousTmp = process.env.TMPDIR;
  let doc = '';
  let xls = '';
  let ppt = '';
  let hyphenatedPpt = '';
  before(async () => {
    process.env.TMPDIR = scratch;
    const source = join(dir, 'report.rtf');
    await writeFile(source, fixtures.rtfText());
    const sheet = join(dir, 'planets.csv');
    await writeFile(sheet, fixtures.sheetCsv());
    if (installed) {
      doc = fixtures.sofficeConvert(source, 'doc', dir);
      xls = fixtures.sofficeConvert(sheet, 'xls:MS Excel 97', dir);
      const deck = join(dir, 'deck.fodp');
      await writeFile(deck, fixtures.slidesFodp());
      ppt = fixtures.sofficeConvert(deck, 'ppt:MS PowerPoint 97', dir);
      const hyphenatedDeck = join(dir, 'hyphenated.fodp');
      await writeFile(hyphenatedDeck, fixtures.slidesFodp(fixtures.HYPHENATED_SLIDES));
      hyphenatedPpt = fixtures.sofficeConvert(hyphenatedDeck, 'ppt:MS PowerPoint 97', dir);
    } else {
      doc = source;
    }
  });
  after(() => {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
    rmSync(scratch, { recursive: true, force: true });
  });

  if (!installed) {
    test('without soffice, a .doc fails UNSUPPORTED_FORMAT naming what to install', async () => {
      assert.match(await failure(doc, DOC, 'UNSUPPORTED_FORMAT'), /libreoffice-core-nogui/);
    });
    return;
  }

  test('a .doc converts to DOCX and gives its headings, paragraphs and table', async () => {
    const result = await extract(doc, DOC, { libreOffice: runtime() });
    assert.equal(result.pages.length, 1);
    // LibreOffice keeps the heading, paragraphs and table; the list, without a list table in
    // the source, comes back as plain paragraphs.
    assert.equal(
      result.pages[0]?.markdown,
      [
        `# ${fixtures.RTF.heading}`,
        fixtures.RTF.paragraph,
        'Café déjà vu — naïve',
        ...fixtures.RTF.items,
        '| Station | Nights |\n| --- | --- |\n| Longstone | 92 |',
        'After the table.',
      ].join('\n\n'),
    );
    assert.equal(result.metadata.title, fixtures.RTF.title);
    assert.deepEqual(readdirSync(scratch), [], 'work directories left');
  });

  test('a .xls converts to a Markdown table', async () => {
    const result = await extract(xls, XLS, { libreOffice: runtime() });
    const markdown = result.pages.map((page) => page.markdown).join('\n\n');
    assert.match(markdown, /\| Planet \| Moons \|/);
    assert.match(markdown, /\| Jupiter \| 95 \|/);
  });

  test('a .ppt converts to PDF: one page per slide', async () => {
    const result = await extract(ppt, PPT, { libreOffice: runtime() });
    assert.deepEqual(
      result.pages.map((page) => page.text),
      fixtures.SLIDES,
    );
  });

  // The PDF LibreOffice makes of a presentation is read by the task's PDF engine.
  for (const pdfEngine of PDF_ENGINES)
    test(`a .ppt's PDF is read by the PDF engine set (${pdfEngine})`, async () => {
      const result = await extract(hyphenatedPpt, PPT, { libreOffice: runtime(), pdfEngine });
      assert.deepEqual(
        result.pages.map((page) => page.text),
        pdfEngine === 'pdfium' ? fixtures.HYPHENATED_SLIDES_TEXT : fixtures.HYPHENATED_SLIDES_PDFJS,
      );
    });

  test('a conversion over its time is killed: no process and no work directory left', async () => {
    const started = performance.now();
    assert.match(
      await failure(doc, DOC, 'UNPROCESSABLE_DOCUMENT', { libreOffice: runtime(1000) }),
      /within 1000 ms/,
    );
    assert.ok(performance.now() - started < 10_000);
    assert.deepEqual(readdirSync(scratch), [], 'work directories left');
    assert.deepEqual(processesNaming(join(scratch, WORK_DIR_PREFIX)), [], 'processes left');
  });

  test('without a runtime, a .doc fails UNSUPPORTED_FORMAT naming what to install', async () => {
    assert.match(await failure(doc, DOC, 'UNSUPPORTED_FORMAT'), /libreoffice-core-nogui/);
  });
});
