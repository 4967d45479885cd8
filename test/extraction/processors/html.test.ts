/** HTML extraction: the article without the boilerplate, the body text when there is none. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import * as fixtures from '../../fixtures/documents.js';
import { allText, dir, extract } from './setup.js';

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
