/** RTF extraction: paragraphs, headings, lists, tables, code-page and Unicode text, metadata; depth bound. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as fixtures from '../../fixtures/other-formats.js';
import { dir, extract, failure } from './setup.js';

const RTF = 'application/rtf';

describe('RTF', { timeout: 30_000 }, () => {
  test('gives headings, paragraphs, list items and tables, and the \\info metadata', async () => {
    const result = await extract(await fixtures.writeRtf(dir), RTF);
    assert.deepEqual(result.metadata, {
      title: fixtures.RTF.title,
      author: fixtures.RTF.author,
      created: '2023-04-09T10:30:00.000Z',
    });
    assert.equal(result.pages.length, 1);
    assert.equal(
      result.pages[0]?.markdown,
      [
        `# ${fixtures.RTF.heading}`,
        '',
        fixtures.RTF.paragraph,
        '',
        'Café déjà vu — naïve',
        '',
        '- Trim the wicks',
        '- Polish the lens',
        '',
        '| Station | Nights |',
        '| --- | --- |',
        '| Longstone | 92 |',
        '',
        'After the table.',
      ].join('\n'),
    );
    assert.equal(
      result.pages[0]?.text,
      [
        fixtures.RTF.heading,
        '',
        fixtures.RTF.paragraph,
        '',
        'Café déjà vu — naïve',
        '',
        'Trim the wicks',
        'Polish the lens',
        '',
        'Station Nights',
        'Longstone 92',
        '',
        'After the table.',
      ].join('\n'),
    );
  });

  test('groups nested 100,000 deep are refused at once (UNPROCESSABLE_DOCUMENT)', async () => {
    const path = join(dir, 'deep.rtf');
    await writeFile(path, fixtures.nestedRtf(100_000));
    const started = performance.now();
    assert.match(await failure(path, RTF, 'UNPROCESSABLE_DOCUMENT'), /more than 512 deep/);
    assert.ok(performance.now() - started < 2_000);
  });

  test('nesting under the bound is read', async () => {
    const path = join(dir, 'nested-ok.rtf');
    await writeFile(path, fixtures.nestedRtf(500));
    const result = await extract(path, RTF);
    assert.equal(result.pages[0]?.text, 'deep');
  });

  test('pictures, objects and fields are skipped, their results kept, \\bin data passed over', async () => {
    const path = join(dir, 'skipped.rtf');
    await writeFile(
      path,
      '{\\rtf1\\ansi {\\pict\\pngblip 89504e470d0a}{\\object{\\objdata 0102}}' +
        '{\\field{\\*\\fldinst HYPERLINK "x"}{\\fldrslt shown}} text {\\*\\unknown hidden}' +
        '\\bin4 {}}x\\par}',
    );
    const result = await extract(path, RTF);
    assert.equal(result.pages[0]?.text, 'shown text');
  });

  test('a file that is not RTF is DOCUMENT_CORRUPT', async () => {
    const path = join(dir, 'not.rtf');
    await writeFile(path, 'plain words');
    await failure(path, RTF, 'DOCUMENT_CORRUPT');
  });
});
