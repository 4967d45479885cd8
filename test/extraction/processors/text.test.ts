/**
 * Plain text and Markdown: decodings, pages at paragraph boundaries, truncation, and bounded
 * memory on a 200 MB single-line file.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import * as fixtures from '../../fixtures/documents.js';
import { allText, dir, extract, LIMITS, MB, rssGrowth, totalChars } from './setup.js';

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
