/** E-mail extraction: headers as metadata, the HTML or text body, attachments listed; bounds. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as fixtures from '../../fixtures/other-formats.js';
import { dir, extract, failure } from './setup.js';

const EML = 'message/rfc822';

describe('E-mail (message/rfc822)', { timeout: 60_000 }, () => {
  test('headers become metadata, the HTML body Markdown, attachments a list', async () => {
    const result = await extract(await fixtures.writeEml(dir), EML);
    assert.deepEqual(result.metadata, {
      title: fixtures.EML.subject,
      author: '"Ada Lovelace" <ada@example.org>',
      created: fixtures.EML.date,
      email: {
        from: '"Ada Lovelace" <ada@example.org>',
        to: '"Charles Babbage" <charles@example.org>, team@example.org',
        cc: '"Mary Somerville" <mary@example.org>',
        date: fixtures.EML.date,
        message_id: fixtures.EML.messageId,
      },
      attachments: [
        {
          filename: 'note-g.txt',
          media_type: 'text/plain',
          size_bytes: fixtures.EML.attachment.trimEnd().length,
        },
        {
          filename: 'card.png',
          media_type: 'image/png',
          size_bytes: fixtures.textPng('HELLO').length,
        },
      ],
    });
    assert.equal(result.pages.length, 1);
    assert.equal(
      result.pages[0]?.markdown,
      [
        '**From:** "Ada Lovelace" <ada@example.org>  ',
        '**To:** "Charles Babbage" <charles@example.org>, team@example.org  ',
        '**Cc:** "Mary Somerville" <mary@example.org>  ',
        `**Date:** ${fixtures.EML.date}  `,
        `**Subject:** ${fixtures.EML.subject}`,
        '',
        '# Engine notes',
        '',
        'The engine weaves **algebraic** patterns.',
        '',
        '- cards',
        '- mill',
        '',
        'It might compose music.',
      ].join('\n'),
    );
    // The attachment's text is listed, not extracted.
    assert.doesNotMatch(result.pages[0]?.text ?? '', /Bernoulli/);
  });

  test('a text-only message gives its paragraphs', async () => {
    const result = await extract(await fixtures.writeEml(dir, 'plain.eml', { html: false }), EML);
    const text = result.pages.map((page) => page.text).join('\n\n');
    assert.ok(text.endsWith(fixtures.EML.plainBody), text);
  });

  test('10,000 MIME parts are refused quickly (UNPROCESSABLE_DOCUMENT)', async () => {
    const path = join(dir, 'parts.eml');
    await writeFile(path, fixtures.manyPartsEml(10_000));
    const started = performance.now();
    const message = await failure(path, EML, 'UNPROCESSABLE_DOCUMENT');
    assert.match(message, /1000 MIME parts/);
    assert.ok(performance.now() - started < 5_000);
  });

  test('a part with 2 MB of headers is refused (UNPROCESSABLE_DOCUMENT)', async () => {
    const path = join(dir, 'headers.eml');
    const header = `X-Padding: ${'a'.repeat(998)}\r\n`.repeat(2048);
    await writeFile(path, `From: a@example.org\r\nSubject: big\r\n${header}\r\nbody\r\n`);
    await failure(path, EML, 'UNPROCESSABLE_DOCUMENT');
  });
});
