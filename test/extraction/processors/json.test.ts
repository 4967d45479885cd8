/** JSON extraction: "path: value" lines and fenced Markdown, paging, deep nesting, bad input. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import * as fixtures from '../../fixtures/documents.js';
import { allText, dir, extract, failure, LIMITS, totalChars } from './setup.js';

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
