/**
 * CSV extraction: rows as lines and Markdown tables, delimiters and decodings, truncation, and
 * bounded memory on 200 MB files.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import * as fixtures from '../../fixtures/documents.js';
import { allText, dir, extract, failure, LIMITS, MB, rssGrowth, totalChars } from './setup.js';

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
